package dev.libpool.node.learn;

import dev.libpool.node.pool.FileKey;
import dev.libpool.node.pool.ProcMaps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Which pages of a file a process has in its page tables: for each mapping of the file in /proc/PID/maps,
 * the present bit (63) of each page's /proc/PID/pagemap entry, placed at the file page the mapping's offset
 * gives. This is what the guest behind a QEMU touched through the DAX window (plus the kernel's fault-around
 * of pages already cached), independent of what the host page cache holds around it.
 */
public final class PagePresence {

    private static final int PAGE = 4096;
    private static final long PRESENT = 1L << 63;
    private static final int BATCH_PAGES = 4096;

    /** One line of /proc/PID/maps for the file: virtual start/end and the file offset at start. */
    record Mapping(long start, long end, long fileOffset) {
    }

    private final Path proc;

    public PagePresence(Path proc) {
        this.proc = proc;
    }

    /** The mappings of {@code file} in one maps text (pure, for tests). */
    static List<Mapping> mappingsOf(String maps, FileKey file) {
        List<Mapping> out = new ArrayList<>();
        for (String line : maps.split("\n")) {
            if (!file.equals(ProcMaps.keyOfHeader(line))) {
                continue;
            }
            String[] f = line.trim().split("\\s+", 7);
            int dash = f[0].indexOf('-');
            out.add(new Mapping(Long.parseUnsignedLong(f[0].substring(0, dash), 16),
                    Long.parseUnsignedLong(f[0].substring(dash + 1), 16), Long.parseUnsignedLong(f[2], 16)));
        }
        return out;
    }

    /** Adds to {@code pages} (file page indexes) what process {@code pid} has present of {@code file}; 0 if it exited. */
    public int addPresent(long pid, FileKey file, BitSet pages) throws IOException {
        Path dir = proc.resolve(Long.toString(pid));
        List<Mapping> mappings;
        try {
            mappings = mappingsOf(new String(Files.readAllBytes(dir.resolve("maps")), StandardCharsets.ISO_8859_1), file);
        } catch (NoSuchFileException e) {
            return 0;
        }
        int added = 0;
        try (FileChannel pagemap = FileChannel.open(dir.resolve("pagemap"))) {
            ByteBuffer buf = ByteBuffer.allocate(BATCH_PAGES * 8).order(ByteOrder.LITTLE_ENDIAN);
            for (Mapping m : mappings) {
                long firstFilePage = m.fileOffset() / PAGE;
                for (long va = m.start(); va < m.end(); va += (long) BATCH_PAGES * PAGE) {
                    int n = (int) Math.min(BATCH_PAGES, (m.end() - va) / PAGE);
                    buf.clear().limit(n * 8);
                    while (buf.hasRemaining() && pagemap.read(buf, va / PAGE * 8 + buf.position()) > 0) {
                        // pagemap reads may come back short
                    }
                    for (int i = 0; i < buf.position() / 8; i++) {
                        if ((buf.getLong(i * 8) & PRESENT) != 0) {
                            int page = (int) (firstFilePage + (va - m.start()) / PAGE + i);
                            if (!pages.get(page)) {
                                pages.set(page);
                                added++;
                            }
                        }
                    }
                }
            }
        } catch (NoSuchFileException e) {
            return added;
        }
        return added;
    }
}
