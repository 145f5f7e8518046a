package dev.libpool.node.pool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Reads the ELF header and, through the program headers, the dynamic section's DT_SONAME. Pure Java,
 * bounds-checked everywhere: a truncated or crafted file gives {@link NotElfException}, never a crash.
 */
public final class ElfReader {

    private static final int PT_LOAD = 1, PT_DYNAMIC = 2;
    private static final long DT_NULL = 0, DT_STRTAB = 5, DT_SONAME = 14;
    private static final int MAX_PROGRAM_HEADERS = 4096;
    private static final int MAX_SONAME_BYTES = 4096;
    private static final long MAX_DYNAMIC_BYTES = 1 << 20;

    /** The file is not a well-formed ELF object. */
    public static final class NotElfException extends IOException {
        public NotElfException(String message) {
            super(message);
        }
    }

    private ElfReader() {
    }

    public static ElfInfo read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Parser(ch, file).parse();
        }
    }

    private static final class Parser {
        private final FileChannel ch;
        private final Path file;
        private final long size;
        private ByteOrder order;
        private boolean is64;

        Parser(FileChannel ch, Path file) throws IOException {
            this.ch = ch;
            this.file = file;
            this.size = ch.size();
        }

        ElfInfo parse() throws IOException {
            ByteBuffer ident = read(0, 16);
            if (ident.getInt(0) != 0x7f454c46) { // "\177ELF", big-endian view
                throw bad("no ELF magic");
            }
            int elfClass = ident.get(4);
            if (elfClass != 1 && elfClass != 2) {
                throw bad("unknown ELF class " + elfClass);
            }
            is64 = elfClass == 2;
            order = switch (ident.get(5)) {
                case 1 -> ByteOrder.LITTLE_ENDIAN;
                case 2 -> ByteOrder.BIG_ENDIAN;
                default -> throw bad("unknown ELF data encoding " + ident.get(5));
            };
            ByteBuffer eh = read(0, is64 ? 64 : 52);
            int type = Short.toUnsignedInt(eh.getShort(16));
            int machine = Short.toUnsignedInt(eh.getShort(18));
            long phoff = is64 ? eh.getLong(32) : Integer.toUnsignedLong(eh.getInt(28));
            int phentsize = Short.toUnsignedInt(eh.getShort(is64 ? 54 : 42));
            int phnum = Short.toUnsignedInt(eh.getShort(is64 ? 56 : 44));
            return new ElfInfo(is64 ? 64 : 32, machine, type, soname(phoff, phentsize, phnum));
        }

        private Optional<String> soname(long phoff, int phentsize, int phnum) throws IOException {
            if (phnum == 0) {
                return Optional.empty();
            }
            if (phnum > MAX_PROGRAM_HEADERS || phentsize < (is64 ? 56 : 32)) {
                throw bad("implausible program header table (" + phnum + " entries of " + phentsize + " bytes)");
            }
            ByteBuffer ph = read(phoff, (long) phnum * phentsize);
            long dynOff = 0, dynSize = 0;
            boolean dynamic = false;
            for (int i = 0; i < phnum; i++) {
                int at = i * phentsize;
                if (ph.getInt(at) == PT_DYNAMIC) {
                    dynamic = true;
                    dynOff = is64 ? ph.getLong(at + 8) : u32(ph, at + 4);
                    dynSize = is64 ? ph.getLong(at + 32) : u32(ph, at + 16);
                }
            }
            if (!dynamic) {
                return Optional.empty();
            }
            int entSize = is64 ? 16 : 8;
            if (dynSize > MAX_DYNAMIC_BYTES) {
                throw bad("implausible dynamic section of " + dynSize + " bytes");
            }
            ByteBuffer dyn = read(dynOff, dynSize / entSize * entSize);
            long strtab = -1, sonameOffset = -1;
            for (int at = 0; at + entSize <= dyn.limit(); at += entSize) {
                long tag = is64 ? dyn.getLong(at) : dyn.getInt(at);
                long val = is64 ? dyn.getLong(at + 8) : u32(dyn, at + 4);
                if (tag == DT_NULL) {
                    break;
                } else if (tag == DT_STRTAB) {
                    strtab = val;
                } else if (tag == DT_SONAME) {
                    sonameOffset = val;
                }
            }
            if (sonameOffset < 0) {
                return Optional.empty();
            }
            if (strtab < 0) {
                throw bad("DT_SONAME without DT_STRTAB");
            }
            return Optional.of(string(fileOffset(ph, phnum, phentsize, strtab) + sonameOffset));
        }

        /** DT_STRTAB holds a virtual address: find the PT_LOAD segment that maps it. */
        private long fileOffset(ByteBuffer ph, int phnum, int phentsize, long vaddr) throws NotElfException {
            for (int i = 0; i < phnum; i++) {
                int at = i * phentsize;
                if (ph.getInt(at) != PT_LOAD) {
                    continue;
                }
                long off = is64 ? ph.getLong(at + 8) : u32(ph, at + 4);
                long va = is64 ? ph.getLong(at + 16) : u32(ph, at + 8);
                long filesz = is64 ? ph.getLong(at + 32) : u32(ph, at + 16);
                if (vaddr >= va && vaddr - va < filesz) {
                    return off + (vaddr - va);
                }
            }
            throw bad("DT_STRTAB address 0x" + Long.toHexString(vaddr) + " is in no loadable segment");
        }

        private String string(long offset) throws IOException {
            ByteBuffer b = read(offset, Math.min(MAX_SONAME_BYTES, size - Math.min(offset, size)));
            for (int i = 0; i < b.limit(); i++) {
                if (b.get(i) == 0) {
                    byte[] bytes = new byte[i];
                    b.get(0, bytes);
                    return new String(bytes, StandardCharsets.UTF_8);
                }
            }
            throw bad("unterminated DT_SONAME string at offset " + offset);
        }

        private ByteBuffer read(long offset, long length) throws IOException {
            if (offset < 0 || length < 0 || offset > size || length > size - offset) {
                throw bad("truncated: needs bytes " + offset + "+" + length + " of " + size);
            }
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) > 0) {
                // read until full; the size check above guarantees the bytes exist
            }
            buf.flip();
            return buf.order(order == null ? ByteOrder.BIG_ENDIAN : order);
        }

        private static long u32(ByteBuffer b, int at) {
            return Integer.toUnsignedLong(b.getInt(at));
        }

        private NotElfException bad(String why) {
            return new NotElfException(file + " is not a valid ELF object: " + why);
        }
    }
}
