package dev.libpool.node.pool.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/** Random reads from a disk: a file opened read-only, a decoded qcow2, or bytes in memory (tests). */
public interface ByteSource {

    long size() throws IOException;

    /** {@code length} bytes at {@code offset}, little-endian; past the end the buffer is short (limit < length). */
    ByteBuffer read(long offset, int length) throws IOException;

    static ByteSource of(byte[] bytes) {
        return new ByteSource() {
            @Override
            public long size() {
                return bytes.length;
            }

            @Override
            public ByteBuffer read(long offset, int length) {
                int from = (int) Math.min(offset, bytes.length);
                int n = Math.min(length, bytes.length - from);
                return ByteBuffer.wrap(bytes, from, n).slice().order(ByteOrder.LITTLE_ENDIAN);
            }
        };
    }

    /** Reads through a channel the caller opened (READ only: nothing here can write to the image). */
    static ByteSource of(FileChannel ch) {
        return new ByteSource() {
            @Override
            public long size() throws IOException {
                return ch.size();
            }

            @Override
            public ByteBuffer read(long offset, int length) throws IOException {
                ByteBuffer buf = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
                while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                    // read until full or end of file
                }
                return buf.flip();
            }
        };
    }
}
