package dev.libpool.node.pool;

import dev.libpool.node.learn.LearnedPages;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The staged directory that makes touched pages dense. Built with 4 KiB chunks, the image stores each chunk
 * content once, where it first occurs, and mkfs.erofs writes file data in tree order, {@code /.libpool} first;
 * the libraries' chunks then point here for their touched pages. {@code 00000000} holds every full touched
 * page, library after library in path order; a touched last page of a library is shorter than a chunk and
 * only matches a chunk of the same length, so each gets a file of its own ({@code 00000001}, ...), right after.
 */
final class DenseArea {

    static final int PAGE = 4096;
    private static final String NAME = "%08d";

    private DenseArea() {
    }

    static void write(Path dir, Selection selection, LearnedPages dense) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        int tails = 0;
        Path full = dir.resolve(NAME.formatted(0));
        try (OutputStream out = Files.newOutputStream(full)) {
            for (LibraryFile f : selection.files()) {
                BitSet pages = dense.byPath().get(f.guestPath());
                if (pages == null) {
                    continue;
                }
                try (FileChannel in = FileChannel.open(f.source())) {
                    for (int p = pages.nextSetBit(0); p >= 0 && (long) p * PAGE < f.size(); p = pages.nextSetBit(p + 1)) {
                        int length = (int) Math.min(PAGE, f.size() - (long) p * PAGE);
                        byte[] page = read(in, (long) p * PAGE, length);
                        if (length == PAGE) {
                            out.write(page);
                        } else {
                            Path tail = dir.resolve(NAME.formatted(++tails));
                            Files.write(tail, page);
                            Files.setPosixFilePermissions(tail, PosixFilePermissions.fromString("rw-r--r--"));
                        }
                    }
                }
            }
        }
        Files.setPosixFilePermissions(full, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /** {@code length} bytes at {@code offset}; zeros past the end if the source shrank meanwhile (keeps pages aligned). */
    private static byte[] read(FileChannel in, long offset, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining() && in.read(b, offset + b.position()) > 0) {
            // read the whole page
        }
        return Arrays.copyOf(b.array(), length);
    }
}
