package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * A GPT or MBR partition table read from the raw disk. Untrusted input: every count, size and extent is
 * bounded and checked (GPT checksums included) before use.
 *
 * @param kind     "GPT" or "MBR"
 * @param extended whether an MBR holds an extended partition (its logical partitions are not read)
 */
public record PartitionTable(String kind, List<Partition> partitions, boolean extended) {

    /** @param number 1-based, as the guest kernel numbers it (vda1); {@code type} a GUID (GPT) or hex byte (MBR) */
    public record Partition(int number, long offset, long sizeBytes, String type) {
    }

    /** GPT type "Linux root (x86-64)" of the Discoverable Partitions Specification. */
    public static final String GPT_LINUX_ROOT_X86_64 = "4f68bce3-e8cd-4db1-96e7-fbcaf984b709";
    /** GPT type "Linux LVM" and MBR type 0x8e: a physical volume, whose logical volumes are not read. */
    static final String GPT_LVM = "e6d6d379-f507-44c2-a23c-238f2a3df928";
    static final String MBR_LVM = "0x8e";
    private static final int MAX_GPT_ENTRIES = 1024;
    private static final int MBR_PROTECTIVE = 0xee;
    private static final List<Integer> MBR_EXTENDED = List.of(0x05, 0x0f, 0x85);

    /** The table of the disk; empty when it has neither a GPT nor an MBR signature. */
    public static Optional<PartitionTable> read(ByteSource disk) throws IOException, DiskFormatException {
        for (int sector : new int[] {512, 4096}) {
            ByteBuffer header = disk.read(sector, 512);
            if (header.limit() >= 92 && Filesystem.ascii(header, 0, 8).equals("EFI PART")) {
                return Optional.of(gpt(disk, header, sector));
            }
        }
        ByteBuffer mbr = disk.read(0, 512);
        if (mbr.limit() == 512 && (mbr.getShort(510) & 0xffff) == 0xaa55 && hasMbrEntries(mbr)) {
            return Optional.of(mbr(disk, mbr));
        }
        return Optional.empty();
    }

    private static boolean hasMbrEntries(ByteBuffer mbr) {
        for (int i = 0; i < 4; i++) {
            if ((mbr.get(446 + 16 * i + 4) & 0xff) != 0) {
                return true;
            }
        }
        return false;
    }

    private static PartitionTable gpt(ByteSource disk, ByteBuffer header, int sector) throws IOException, DiskFormatException {
        int headerSize = header.getInt(12);
        if (headerSize < 92 || headerSize > 512) {
            throw corrupt("GPT header size " + Integer.toUnsignedString(headerSize) + " is out of range");
        }
        CRC32 crc = new CRC32();
        byte[] bytes = new byte[headerSize];
        header.get(0, bytes);
        bytes[16] = bytes[17] = bytes[18] = bytes[19] = 0;
        crc.update(bytes);
        if ((int) crc.getValue() != header.getInt(16)) {
            throw corrupt("the GPT header checksum does not match" + backupNote(disk, sector));
        }
        long entriesLba = header.getLong(72);
        int count = header.getInt(80);
        int entrySize = header.getInt(84);
        if (count < 0 || count > MAX_GPT_ENTRIES || entrySize < 128 || entrySize > 1024 || entrySize % 8 != 0
                || entriesLba < 2 || entriesLba > disk.size() / sector) {
            throw corrupt("the GPT header describes " + Integer.toUnsignedString(count) + " entries of "
                    + Integer.toUnsignedString(entrySize) + " bytes at LBA " + entriesLba);
        }
        ByteBuffer entries = disk.read(entriesLba * sector, count * entrySize);
        if (entries.limit() < count * entrySize) {
            throw new DiskFormatException(Reason.DiskImageTruncated, "the GPT partition entries end past the end "
                    + "of the image");
        }
        crc.reset();
        byte[] all = new byte[count * entrySize];
        entries.get(0, all);
        crc.update(all);
        if ((int) crc.getValue() != header.getInt(88)) {
            throw corrupt("the GPT partition entries checksum does not match" + backupNote(disk, sector));
        }
        List<Partition> partitions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = i * entrySize;
            String type = guid(entries, at);
            if (type.equals("00000000-0000-0000-0000-000000000000")) {
                continue;
            }
            long first = entries.getLong(at + 32);
            long last = entries.getLong(at + 40);
            if (first < 1 || last < first || last >= Long.MAX_VALUE / sector) {
                throw corrupt("GPT partition " + (i + 1) + " spans LBA " + first + " to " + last);
            }
            partitions.add(new Partition(i + 1, first * sector, (last - first + 1) * sector, type));
        }
        return new PartitionTable("GPT", List.copyOf(partitions), false);
    }

    private static PartitionTable mbr(ByteSource disk, ByteBuffer mbr) throws DiskFormatException {
        List<Partition> partitions = new ArrayList<>();
        boolean extended = false;
        for (int i = 0; i < 4; i++) {
            int at = 446 + 16 * i;
            int type = mbr.get(at + 4) & 0xff;
            extended |= MBR_EXTENDED.contains(type);
            if (type == 0 || MBR_EXTENDED.contains(type)) {
                continue; // logical partitions inside an extended one are not read: the root is a primary one
            }
            if (type == MBR_PROTECTIVE) {
                throw corrupt("the MBR is a GPT protective MBR but no GPT header was found at LBA 1");
            }
            long start = Integer.toUnsignedLong(mbr.getInt(at + 8));
            long sectors = Integer.toUnsignedLong(mbr.getInt(at + 12));
            if (start == 0 || sectors == 0) {
                throw corrupt("MBR partition " + (i + 1) + " starts at sector " + start + " with " + sectors + " sectors");
            }
            partitions.add(new Partition(i + 1, start * 512, sectors * 512, String.format(Locale.ROOT, "0x%02x", type)));
        }
        return new PartitionTable("MBR", List.copyOf(partitions), extended);
    }

    /** A GPT GUID: the first three fields are little-endian, the rest big-endian. */
    static String guid(ByteBuffer buf, int at) {
        ByteBuffer le = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        byte[] tail = new byte[8];
        buf.get(at + 8, tail);
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%08x-%04x-%04x-",
                le.getInt(at), le.getShort(at + 4) & 0xffff, le.getShort(at + 6) & 0xffff));
        for (int i = 0; i < 8; i++) {
            s.append(i == 2 ? "-" : "").append(String.format(Locale.ROOT, "%02x", tail[i] & 0xff));
        }
        return s.toString();
    }

    /**
     * Said when the primary GPT is damaged: whether the backup header at the disk's last sector is intact, and how
     * to rebuild the primary from it (the guest's kernel would boot from the backup; libpool does not guess).
     */
    private static String backupNote(ByteSource disk, int sector) throws IOException {
        long last = disk.size() / sector - 1;
        ByteBuffer backup = disk.read(last * sector, 512);
        if (last < 2 || backup.limit() < 92 || !Filesystem.ascii(backup, 0, 8).equals("EFI PART")) {
            return "; there is no backup GPT at the end of the disk either: copy the image again";
        }
        int size = backup.getInt(12);
        if (size < 92 || size > 512) {
            return "; the backup GPT at the end of the disk is damaged too: copy the image again";
        }
        byte[] bytes = new byte[size];
        backup.get(0, bytes);
        bytes[16] = bytes[17] = bytes[18] = bytes[19] = 0;
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return (int) crc.getValue() != backup.getInt(16)
                ? "; the backup GPT at the end of the disk is damaged too: copy the image again"
                : "; the backup GPT at the end of the disk is intact: rebuild the primary from it on a copy "
                + "(gdisk IMAGE, then r, b, c, w) and point the pool at the repaired image";
    }

    private static DiskFormatException corrupt(String what) {
        return new DiskFormatException(Reason.DiskImageCorrupt, what);
    }

}
