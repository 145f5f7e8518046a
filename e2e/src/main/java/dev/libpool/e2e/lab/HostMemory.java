package dev.libpool.e2e.lab;

import dev.libpool.node.pool.FileKey;
import dev.libpool.node.pool.SmapsUsage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Host memory of a set of guests, measured on the host (inside a guest, DAX mappings show Rss 0).
 *
 * @param qemuPssBytes       sum of the PSS of the guests' QEMU processes (/proc/PID/smaps_rollup): pages
 *                           shared between QEMUs, such as the pool's, count once in total
 * @param poolMappedPssBytes the part of {@code qemuPssBytes} that maps the pool file
 * @param shmemBytes         host Shmem (/proc/meminfo): tmpfs pages, the pool's among them
 * @param usedBytes          host MemTotal - MemAvailable
 * @param poolResidentBytes  bytes of the pool file resident in its tmpfs (0 without pool)
 */
public record HostMemory(long qemuPssBytes, long poolMappedPssBytes, long shmemBytes, long usedBytes,
                         long poolResidentBytes) {

    public static HostMemory measure(Collection<Long> qemuPids, Optional<Path> poolFile) {
        Optional<Set<FileKey>> pool = poolFile.map(file -> Set.of(fileKey(file)));
        long pss = 0;
        long poolPss = 0;
        for (long pid : qemuPids) {
            pss += kib(read(Path.of("/proc/" + pid + "/smaps_rollup")), "Pss:");
            if (pool.isPresent()) {
                poolPss += SmapsUsage.of(read(Path.of("/proc/" + pid + "/smaps")), pool.get()).pssBytes();
            }
        }
        String meminfo = read(Path.of("/proc/meminfo"));
        long resident = poolFile.map(HostMemory::allocatedBytes).orElse(0L);
        return new HostMemory(pss, poolPss, kib(meminfo, "Shmem:"),
                kib(meminfo, "MemTotal:") - kib(meminfo, "MemAvailable:"), resident);
    }

    static long kib(String text, String key) {
        for (String line : text.lines().toList()) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024;
            }
        }
        throw new LabException("no " + key + " in:\n" + Command.tail(text));
    }

    private static FileKey fileKey(Path file) {
        try {
            return FileKey.of(file);
        } catch (IOException e) {
            throw new LabException("cannot stat " + file + ": " + e.getMessage(), e);
        }
    }

    /** st_blocks * 512: on tmpfs, the bytes of the file held in memory (a sparse tail costs nothing). */
    private static long allocatedBytes(Path file) {
        String blocks = Command.run(Duration.ofSeconds(10), "stat", "-L", "-c", "%b %B", file.toString()).trim();
        List<Long> numbers = java.util.Arrays.stream(blocks.split(" ")).map(Long::parseLong).toList();
        return numbers.get(0) * numbers.get(1);
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
                + mib(shmemBytes) + ", host used " + mib(usedBytes) + ", pool resident " + mib(poolResidentBytes);
    }
}
