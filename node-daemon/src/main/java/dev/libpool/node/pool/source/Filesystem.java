package dev.libpool.node.pool.source;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * File systems recognised by their superblock magic. Only the size matters beyond the type: a file system
 * that claims more bytes than its partition holds is a truncated image.
 */
public enum Filesystem {
    EXT4("ext4"), XFS("xfs"), BTRFS("btrfs"), VFAT("vfat"), LVM("an LVM physical volume"),
    LUKS("a LUKS-encrypted volume");

    private final String apiName;

    Filesystem(String apiName) {
        this.apiName = apiName;
    }

    /** The name used in spec.source.*.filesystem and in messages. */
    public String apiName() {
        return apiName;
    }

    /** A recognised file system at an offset of the disk, with the bytes it says it spans (0 when not read). */
    public record Found(Filesystem type, long sizeBytes) {
    }

    private static final int EXT_SUPERBLOCK = 1024;
    private static final int EXT_MAGIC = 0xEF53;
    private static final int EXT_INCOMPAT_64BIT = 0x80;
    private static final int BTRFS_SUPERBLOCK = 0x10000;

    public static Optional<Found> probe(ByteSource disk, long offset) throws IOException {
        ByteBuffer ext = disk.read(offset + EXT_SUPERBLOCK, 1024);
        if (ext.limit() >= 0x200 && (ext.getShort(56) & 0xffff) == EXT_MAGIC) {
            long blocks = Integer.toUnsignedLong(ext.getInt(4));
            if ((ext.getInt(0x60) & EXT_INCOMPAT_64BIT) != 0) {
                blocks |= Integer.toUnsignedLong(ext.getInt(0x150)) << 32;
            }
            int logBlock = ext.getInt(24);
            long blockSize = logBlock >= 0 && logBlock <= 6 ? 1024L << logBlock : 0;
            return Optional.of(new Found(EXT4, blocks * blockSize));
        }
        ByteBuffer head = disk.read(offset, 512);
        if (head.limit() >= 4 && ascii(head, 0, 4).equals("XFSB")) {
            return Optional.of(new Found(XFS, 0));
        }
        if (head.limit() >= 0x5a && (ascii(head, 0x36, 3).equals("FAT") || ascii(head, 0x52, 3).equals("FAT"))) {
            return Optional.of(new Found(VFAT, 0));
        }
        if (head.limit() >= 6 && ascii(head, 0, 6).equals("LUKS\u00ba\u00be")) {
            return Optional.of(new Found(LUKS, 0));
        }
        ByteBuffer label = disk.read(offset + 512, 8);
        if (label.limit() == 8 && ascii(label, 0, 8).equals("LABELONE")) {
            return Optional.of(new Found(LVM, 0));
        }
        ByteBuffer btrfs = disk.read(offset + BTRFS_SUPERBLOCK, 0x48);
        if (btrfs.limit() >= 0x48 && ascii(btrfs, 0x40, 8).equals("_BHRfS_M")) {
            return Optional.of(new Found(BTRFS, 0));
        }
        return Optional.empty();
    }

    static String ascii(ByteBuffer buf, int at, int length) {
        byte[] b = new byte[length];
        buf.get(at, b);
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
