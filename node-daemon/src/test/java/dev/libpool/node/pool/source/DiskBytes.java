package dev.libpool.node.pool.source;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32;

/** Small disks in memory: GPT or MBR tables and ext4 superblocks written byte by byte, for the pure tests. */
final class DiskBytes {

    static final int SECTOR = 512;
    final ByteBuffer disk;

    DiskBytes(int sectors) {
        disk = ByteBuffer.allocate(sectors * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
    }

    ByteSource source() {
        return ByteSource.of(disk.array());
    }

    /** An ext4 superblock at the byte offset: {@code blocks} blocks of 1 KiB. */
    DiskBytes ext4(long offset, long blocks) {
        int sb = (int) offset + 1024;
        disk.putInt(sb + 4, (int) blocks);
        disk.putInt(sb + 24, 0);
        disk.putShort(sb + 56, (short) 0xEF53);
        return this;
    }

    DiskBytes magic(long offset, String ascii) {
        disk.put((int) offset, ascii.getBytes(StandardCharsets.ISO_8859_1));
        return this;
    }

    /** An MBR entry (index 0-3): type byte, first sector, sector count. */
    DiskBytes mbr(int index, int type, long start, long sectors) {
        int at = 446 + 16 * index;
        disk.put(at + 4, (byte) type);
        disk.putInt(at + 8, (int) start);
        disk.putInt(at + 12, (int) sectors);
        disk.putShort(510, (short) 0xAA55);
        return this;
    }

    /** A GPT with 128 entries at LBA 2; {@code parts} = {type GUID, first LBA, last LBA} per partition, in order. */
    DiskBytes gpt(Object[]... parts) {
        mbr(0, 0xee, 1, disk.capacity() / SECTOR - 1);
        int entries = 2 * SECTOR;
        for (int i = 0; i < parts.length; i++) {
            int at = entries + 128 * i;
            UUID type = UUID.fromString((String) parts[i][0]);
            long msb = type.getMostSignificantBits();
            disk.putInt(at, (int) (msb >>> 32));
            disk.putShort(at + 4, (short) (msb >>> 16));
            disk.putShort(at + 6, (short) msb);
            ByteBuffer.wrap(disk.array(), at + 8, 8).order(ByteOrder.BIG_ENDIAN).putLong(type.getLeastSignificantBits());
            disk.putLong(at + 32, ((Number) parts[i][1]).longValue());
            disk.putLong(at + 40, ((Number) parts[i][2]).longValue());
        }
        CRC32 crc = new CRC32();
        crc.update(disk.array(), entries, 128 * 128);
        int h = SECTOR;
        disk.put(h, "EFI PART".getBytes(StandardCharsets.US_ASCII));
        disk.putInt(h + 8, 0x00010000);
        disk.putInt(h + 12, 92);
        disk.putLong(h + 24, 1);
        disk.putLong(h + 72, 2);
        disk.putInt(h + 80, 128);
        disk.putInt(h + 84, 128);
        disk.putInt(h + 88, (int) crc.getValue());
        return sealGptHeader();
    }

    DiskBytes sealGptHeader() {
        disk.putInt(SECTOR + 16, 0);
        CRC32 crc = new CRC32();
        crc.update(disk.array(), SECTOR, 92);
        disk.putInt(SECTOR + 16, (int) crc.getValue());
        return this;
    }
}
