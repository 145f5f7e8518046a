package dev.libpool.node.pool.source;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;

import static org.assertj.core.api.Assertions.assertThat;

/** Byte-level changes to real images, as an attacker who controls the image file would make them. */
final class Crafted {

    private Crafted() {
    }

    /** Replaces the only occurrence of {@code from} in the file by {@code to} (same length: a renamed entry). */
    static void replaceOnce(Path file, String from, String to) throws IOException {
        assertThat(to.length()).isEqualTo(from.length());
        byte[] bytes = Files.readAllBytes(file);
        byte[] needle = from.getBytes(StandardCharsets.UTF_8);
        int at = -1;
        int found = 0;
        for (int i = 0; i <= bytes.length - needle.length; i++) {
            if (bytes[i] == needle[0] && matches(bytes, i, needle)) {
                at = i;
                found++;
            }
        }
        assertThat(found).as("occurrences of " + from + " in " + file).isEqualTo(1);
        write(file, at, to.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean matches(byte[] bytes, int at, byte[] needle) {
        for (int j = 0; j < needle.length; j++) {
            if (bytes[at + j] != needle[j]) {
                return false;
            }
        }
        return true;
    }

    static void write(Path file, long at, byte[] bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            raf.write(bytes);
        }
    }

    static byte[] read(Path file, long at, int length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            byte[] b = new byte[length];
            raf.seek(at);
            raf.readFully(b);
            return b;
        }
    }

    static byte[] longBe(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putLong(v).array();
    }

    static byte[] longLe(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    /** Sets GPT entry {@code number}'s first and last LBA and seals the primary header again (both checksums). */
    static void gptExtent(Path disk, int number, long first, long last) throws IOException {
        ByteBuffer header = ByteBuffer.wrap(read(disk, 512, 92)).order(ByteOrder.LITTLE_ENDIAN);
        long entriesLba = header.getLong(72);
        int count = header.getInt(80);
        int size = header.getInt(84);
        long entry = entriesLba * 512 + (long) (number - 1) * size;
        write(disk, entry + 32, longLe(first));
        write(disk, entry + 40, longLe(last));
        CRC32 crc = new CRC32();
        crc.update(read(disk, entriesLba * 512, count * size));
        write(disk, 512 + 88, intLe((int) crc.getValue()));
        byte[] h = read(disk, 512, 92);
        h[16] = h[17] = h[18] = h[19] = 0;
        crc.reset();
        crc.update(h);
        write(disk, 512 + 16, intLe((int) crc.getValue()));
    }

    static byte[] intLe(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    /**
     * A qcow2 v3 of {@code virtual} bytes whose every L2 entry maps one data cluster holding {@code cluster}: a
     * tiny file that reads as gigabytes (qemu-img convert of it wrote them all out).
     */
    static void oneClusterEverywhere(Path file, long virtual, byte[] cluster) throws IOException {
        int bits = 16;
        long size = 1L << bits;
        long perL2 = size / 8;
        int l2Tables = (int) ((virtual + perL2 * size - 1) / (perL2 * size));
        long l1At = size;
        long l2At = 2 * size;
        long dataAt = l2At + l2Tables * size;
        ByteBuffer h = ByteBuffer.allocate((int) size).order(ByteOrder.BIG_ENDIAN);
        h.putInt(0, 0x514649fb).putInt(4, 3).putInt(20, bits).putLong(24, virtual).putInt(36, l2Tables)
                .putLong(40, l1At).putInt(96, 4).putInt(100, 104);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(h.array());
            ByteBuffer l1 = ByteBuffer.allocate((int) size).order(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i < l2Tables; i++) {
                l1.putLong(i * 8, (l2At + i * size) | 1L << 63);
            }
            raf.write(l1.array());
            ByteBuffer l2 = ByteBuffer.allocate((int) size).order(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i < perL2; i++) {
                l2.putLong(i * 8, dataAt | 1L << 63);
            }
            for (int i = 0; i < l2Tables; i++) {
                raf.write(l2.array());
            }
            raf.write(cluster, 0, (int) size);
        }
    }
}
