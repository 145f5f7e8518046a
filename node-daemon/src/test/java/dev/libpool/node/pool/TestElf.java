package dev.libpool.node.pool;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Crafts small 64-bit little-endian ELF shared objects for parser tests: a header, a PT_LOAD covering the
 * file, a PT_DYNAMIC with DT_STRTAB/DT_SONAME/DT_NULL and a string table. Fields can be broken on purpose.
 */
final class TestElf {
    static final int EHDR = 64, PHDR = 56, PH_OFF = EHDR, DYN_OFF = EHDR + 2 * PHDR, DYN_SIZE = 3 * 16;
    static final int STR_OFF = DYN_OFF + DYN_SIZE;
    static final long VADDR = 0x400000;

    long phoff = PH_OFF;
    int phnum = 2;
    long dynOffset = DYN_OFF;
    long strtabVaddr = VADDR + STR_OFF;
    byte[] strings = "\0libcrafted.so.7\0".getBytes(StandardCharsets.US_ASCII);
    int type = 3;

    byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(STR_OFF + strings.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) type).putShort(18, (short) 62).putInt(20, 1);
        b.putLong(32, phoff).putShort(52, (short) EHDR).putShort(54, (short) PHDR).putShort(56, (short) phnum);
        // PT_LOAD: offset 0 at VADDR, the whole file
        b.putInt(PH_OFF, 1).putLong(PH_OFF + 8, 0).putLong(PH_OFF + 16, VADDR).putLong(PH_OFF + 32, b.capacity());
        // PT_DYNAMIC
        int d = PH_OFF + PHDR;
        b.putInt(d, 2).putLong(d + 8, dynOffset).putLong(d + 16, VADDR + DYN_OFF).putLong(d + 32, DYN_SIZE);
        b.putLong(DYN_OFF, 5).putLong(DYN_OFF + 8, strtabVaddr);
        b.putLong(DYN_OFF + 16, 14).putLong(DYN_OFF + 24, 1);
        b.putLong(DYN_OFF + 32, 0).putLong(DYN_OFF + 40, 0);
        b.position(STR_OFF);
        b.put(strings);
        return b.array();
    }
}
