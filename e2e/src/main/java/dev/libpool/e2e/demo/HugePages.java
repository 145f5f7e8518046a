package dev.libpool.e2e.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The huge pages a hugetlbfs pool needs, reserved for the hugetlbfs mode only (vm.nr_hugepages raised by what
 * the pool needs) and put back to the host's own value when the mode's lab closes, also on Ctrl-C. Where the
 * kernel cannot find that many free 2 MiB pages, nothing stays changed and the mode is skipped with the reason.
 */
final class HugePages implements AutoCloseable {

    static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");
    static final Path MEMINFO = Path.of("/proc/meminfo");
    static final long PAGE_BYTES = 2L << 20;

    private final long original;
    private boolean restored;

    private HugePages(long original) {
        this.original = original;
    }

    /** Reserves {@code bytes} more of huge pages; empty with the reason when the host cannot. */
    static Reservation reserve(long bytes) {
        long pages = (bytes + PAGE_BYTES - 1) / PAGE_BYTES;
        try {
            long original = Long.parseLong(Files.readString(NR_HUGEPAGES).strip());
            long freeBefore = meminfo("HugePages_Free:");
            if (freeBefore >= pages) {
                return new Reservation(Optional.of(new HugePages(original)), null);
            }
            HugePages reservation = new HugePages(original);
            Files.writeString(NR_HUGEPAGES, String.valueOf(original + pages - freeBefore));
            long free = meminfo("HugePages_Free:");
            if (free < pages) {
                reservation.close();
                return new Reservation(Optional.empty(), "the kernel found only " + free + " of the " + pages
                        + " free 2 MiB pages the pool needs (memory too fragmented); reserve them at boot "
                        + "(hugepages=" + (original + pages) + " on the kernel command line) and run again");
            }
            return new Reservation(Optional.of(reservation), null);
        } catch (IOException | NumberFormatException e) {
            return new Reservation(Optional.empty(), "cannot reserve huge pages through " + NR_HUGEPAGES + ": "
                    + e.getMessage());
        }
    }

    record Reservation(Optional<HugePages> pages, String whyNot) {
    }

    private static long meminfo(String key) throws IOException {
        return Files.readAllLines(MEMINFO).stream().filter(l -> l.startsWith(key))
                .map(l -> Long.parseLong(l.substring(key.length()).strip().split("\\s+")[0]))
                .findFirst().orElseThrow(() -> new IOException("no " + key + " in " + MEMINFO));
    }

    /** Puts vm.nr_hugepages back to the host's value; idempotent. */
    @Override
    public synchronized void close() {
        if (restored) {
            return;
        }
        restored = true;
        try {
            Files.writeString(NR_HUGEPAGES, String.valueOf(original));
        } catch (IOException e) {
            System.err.println("libpool demo: could not restore vm.nr_hugepages to " + original + ": " + e.getMessage()
                    + "; run: sysctl vm.nr_hugepages=" + original);
        }
    }

    long original() {
        return original;
    }
}
