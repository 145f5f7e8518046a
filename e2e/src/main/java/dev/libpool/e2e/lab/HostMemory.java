package dev.libpool.e2e.lab;

import dev.libpool.node.pool.PoolUsage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;

/**
 * Host memory of a set of guests, measured on the host (inside a guest, DAX mappings show Rss 0).
 *
 * <p>The pool's figures are the node daemon's own measurement ({@link PoolHost#usage()}), the same for every
 * medium: residency by mincore(2) (hugetlbfs: the mount's usage), mapped pages from the mappers' smaps.
 *
 * @param qemuPssBytes       sum of the PSS of the guests' QEMU processes (/proc/PID/smaps_rollup): pages
 *                           shared between QEMUs, such as the pool's, count once in total
 * @param poolMappedPssBytes the part of {@code qemuPssBytes} that maps the pool file
 * @param shmemBytes         host Shmem (/proc/meminfo): tmpfs pages, the pool's among them
 * @param usedBytes          host MemTotal - MemAvailable
 * @param poolResidentBytes  bytes of the pool file resident in host memory, by mincore (0 without pool)
 * @param poolMappers        processes (QEMUs) that map the pool
 * @param poolRssBytes       sum of the pool mapping's Rss over its mappers: with one guest, what it touched
 */
public record HostMemory(long qemuPssBytes, long poolMappedPssBytes, long shmemBytes, long usedBytes,
                         long poolResidentBytes, int poolMappers, long poolRssBytes) {

    public static HostMemory measure(Collection<Long> qemuPids, Optional<PoolUsage> pool) {
        long pss = 0;
        for (long pid : qemuPids) {
            pss += kib(read(Path.of("/proc/" + pid + "/smaps_rollup")), "Pss:");
        }
        String meminfo = read(Path.of("/proc/meminfo"));
        return new HostMemory(pss, pool.map(PoolUsage::pssBytes).orElse(0L), kib(meminfo, "Shmem:"),
                kib(meminfo, "MemTotal:") - kib(meminfo, "MemAvailable:"),
                pool.map(PoolUsage::residentBytes).orElse(0L), pool.map(PoolUsage::mappers).orElse(0),
                pool.map(PoolUsage::rssBytes).orElse(0L));
    }

    static long kib(String text, String key) {
        for (String line : text.lines().toList()) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
            }
        }
        throw new LabException("no " + key + " in:\n" + Command.tail(text));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new LabException("cannot read " + file + " (did the QEMU exit?): " + e.getMessage(), e);
        }
    }

    public static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    @Override
    public String toString() {
        return "QEMU PSS " + mib(qemuPssBytes) + " (pool " + mib(poolMappedPssBytes) + "), host Shmem "
                + mib(shmemBytes) + ", host used " + mib(usedBytes) + ", pool resident " + mib(poolResidentBytes)
                + " (" + poolMappers + " mappers)";
    }
}
