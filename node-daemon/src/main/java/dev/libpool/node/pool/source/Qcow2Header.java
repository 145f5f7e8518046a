package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A qcow2 header, checked before anything of the image is read through it. Every feature that would make qemu
 * open another file (a backing file, an external data file) or that libpool cannot decode (encryption, zstd,
 * subclusters, features unknown here) is refused with the way to convert the image; nothing named in the
 * header is ever opened.
 *
 * @param clusterBits log2 of the cluster size (9..21)
 * @param l1Entries   the L1 entries that cover {@code size}
 */
record Qcow2Header(int version, int clusterBits, long size, long l1Offset, int l1Entries) {

    static final int MAGIC = 0x514649fb;
    private static final long INCOMPAT_DIRTY = 1;
    private static final long INCOMPAT_CORRUPT = 2;
    private static final long INCOMPAT_DATA_FILE = 4;
    private static final long INCOMPAT_COMPRESSION = 8;
    private static final long INCOMPAT_EXTENDED_L2 = 16;
    static final String CONVERT = "qemu-img convert -O qcow2 IMAGE flat.qcow2";

    /** Whether the first bytes look like a qcow2 (v2/v3) header at all: magic, version, cluster size. */
    static boolean plausible(ByteBuffer head) {
        ByteBuffer h = head.duplicate().order(ByteOrder.BIG_ENDIAN);
        return h.limit() >= 72 && h.getInt(0) == MAGIC && (h.getInt(4) == 2 || h.getInt(4) == 3)
                && h.getInt(20) >= 9 && h.getInt(20) <= 21;
    }

    static Qcow2Header read(ByteSource file) throws IOException, DiskFormatException {
        ByteBuffer h = file.read(0, 112).order(ByteOrder.BIG_ENDIAN);
        if (h.limit() < 72) {
            throw new DiskFormatException(Reason.DiskImageTruncated, "the qcow2 header ends after " + h.limit()
                    + " bytes: the image is truncated; copy it again");
        }
        int version = h.getInt(4);
        if (version == 1) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, "is a qcow (version 1) image, which libpool "
                    + "does not read: convert it (" + CONVERT + ")");
        }
        if (version != 2 && version != 3) {
            throw new DiskFormatException(Reason.DiskImageCorrupt, "has the qcow2 magic but version " + version
                    + ": the header is damaged; copy the image again");
        }
        long backingOffset = h.getLong(8);
        if (backingOffset != 0) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, "is a qcow2 overlay of the backing file "
                    + backingName(file, backingOffset, h.getInt(16)) + " (never opened: a name inside an untrusted image "
                    + "must not make the daemon read a file of the node): flatten it (" + CONVERT + ") and point the "
                    + "pool at the result");
        }
        int crypt = h.getInt(32);
        if (crypt != 0) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, "is " + (crypt == 2 ? "LUKS" : "AES")
                    + "-encrypted, which libpool does not read: decrypt it (qemu-img convert --object secret,id=s,"
                    + "file=KEYFILE --image-opts driver=qcow2,file.filename=IMAGE,encrypt.key-secret=s -O qcow2 plain.qcow2)");
        }
        int clusterBits = h.getInt(20);
        if (clusterBits < 9 || clusterBits > 21) {
            throw new DiskFormatException(Reason.DiskImageCorrupt, "has a qcow2 cluster size of 2^" + clusterBits
                    + " bytes (qemu writes 2^9 to 2^21): the header is damaged; copy the image again");
        }
        if (version == 3) {
            checkFeatures(h);
        }
        long size = h.getLong(24);
        long l1Offset = h.getLong(40);
        long l1Size = Integer.toUnsignedLong(h.getInt(36));
        long perL1 = 1L << (2 * clusterBits - 3); // bytes one L2 table maps
        long needed = size < 0 ? Long.MAX_VALUE : (size + perL1 - 1) / perL1;
        if (size < 0 || l1Size < needed || needed > Integer.MAX_VALUE) {
            throw new DiskFormatException(Reason.DiskImageCorrupt, "has a qcow2 L1 table of " + l1Size + " entries "
                    + "for a virtual size of " + size + " bytes: the header is damaged; copy the image again");
        }
        if ((l1Offset & ((1L << clusterBits) - 1)) != 0 || l1Offset <= 0) {
            throw new DiskFormatException(Reason.DiskImageCorrupt, "has its qcow2 L1 table at byte " + l1Offset
                    + ", which is not a cluster boundary: the L1 table is damaged; copy the image again");
        }
        if (l1Offset > file.size() - needed * 8) {
            throw new DiskFormatException(Reason.DiskImageTruncated, "has its qcow2 L1 table at byte " + l1Offset
                    + " but the file holds only " + file.size() + " bytes: the image is truncated; copy it again");
        }
        return new Qcow2Header(version, clusterBits, size, l1Offset, (int) needed);
    }

    private static void checkFeatures(ByteBuffer h) throws DiskFormatException {
        long incompat = h.getLong(72);
        if ((incompat & INCOMPAT_CORRUPT) != 0) {
            throw new DiskFormatException(Reason.DiskImageCorrupt, "is marked corrupt by qemu: repair it on a copy "
                    + "(qemu-img check -r all) or use a fresh image");
        }
        if ((incompat & INCOMPAT_DATA_FILE) != 0) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, "keeps its data in an external data file "
                    + "(never opened: a name inside an untrusted image must not make the daemon read a file of the "
                    + "node): flatten it (" + CONVERT + ")");
        }
        int headerLength = h.getInt(100);
        if ((incompat & INCOMPAT_COMPRESSION) != 0 && headerLength > 104 && h.limit() > 104 && h.get(104) != 0) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, "is compressed with zstd, which libpool "
                    + "does not read: convert it (qemu-img convert -O qcow2 -c -o compression_type=zlib IMAGE out.qcow2)");
        }
        if ((incompat & INCOMPAT_EXTENDED_L2) != 0) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, "uses qcow2 subclusters (extended_l2), "
                    + "which libpool does not read: convert it (" + CONVERT + ")");
        }
        long unknown = incompat & ~(INCOMPAT_DIRTY | INCOMPAT_COMPRESSION);
        if (unknown != 0) {
            throw new DiskFormatException(Reason.UnsupportedImageFormat, String.format("has qcow2 incompatible "
                    + "features 0x%x that libpool does not know: convert it with a current qemu-img (%s)", unknown, CONVERT));
        }
    }

    /** The backing file's name for the message only: printable ASCII, at most 200 characters. */
    private static String backingName(ByteSource file, long offset, int length) throws IOException {
        ByteBuffer name = file.read(offset, Math.max(0, Math.min(length, 200)));
        StringBuilder s = new StringBuilder();
        while (name.hasRemaining()) {
            int c = name.get() & 0xff;
            s.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return "\"" + s + "\"";
    }
}
