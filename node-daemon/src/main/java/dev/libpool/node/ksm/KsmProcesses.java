package dev.libpool.node.ksm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;

/** The processes under a proc root that matter to KSM: the ksmd thread, a host ksmtuned, QEMUs. */
public class KsmProcesses {
    /** USER_HZ: the unit of utime/stime in /proc/PID/stat, fixed at 100 in the Linux ABI on x86. */
    static final double CLOCK_TICKS_PER_SECOND = 100.0;
    /** comm is truncated to 15 characters: "qemu-system-x86_64" shows as "qemu-system-x86". */
    public static final String QEMU_COMM_PREFIX = "qemu-system-x86";

    private final Path procRoot;

    public KsmProcesses(Path procRoot) {
        this.procRoot = procRoot;
    }

    public OptionalInt ksmdPid() {
        return pidsWithComm("ksmd", true).stream().mapToInt(Integer::intValue).findFirst();
    }

    /** CPU seconds (utime + stime) the ksmd kernel thread has used since boot; empty without ksmd. */
    public Optional<Double> ksmdCpuSeconds() {
        OptionalInt pid = ksmdPid();
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(cpuSeconds(Files.readString(procRoot.resolve(pid.getAsInt() + "/stat"))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** utime + stime of a /proc/PID/stat line; fields counted after the last ')' since comm may hold spaces. */
    static double cpuSeconds(String statLine) {
        String[] fields = statLine.substring(statLine.lastIndexOf(')') + 2).trim().split("\\s+");
        // fields[0] is field 3 (state), so utime (field 14) is fields[11] and stime (field 15) fields[12].
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / CLOCK_TICKS_PER_SECOND;
    }

    public boolean ksmtunedRunning() {
        return !pidsWithComm("ksmtuned", true).isEmpty();
    }

    public List<Integer> qemuPids() {
        return pidsWithComm(QEMU_COMM_PREFIX, false);
    }

    /** /proc/PID/ksm_stat of the given processes that have one (Linux 6.1+; gone processes are skipped). */
    public List<ProcessKsmStat> ksmStats(Collection<Integer> pids) {
        List<ProcessKsmStat> stats = new ArrayList<>();
        for (int pid : pids) {
            try {
                Path dir = procRoot.resolve(Integer.toString(pid));
                String comm = Files.readString(dir.resolve("comm")).trim();
                stats.add(new ProcessKsmStat(pid, comm, parseKsmStat(Files.readString(dir.resolve("ksm_stat")))));
            } catch (NoSuchFileException e) {
                // the process ended, or the kernel has no ksm_stat
            } catch (IOException e) {
                // unreadable (permissions): not reported
            }
        }
        return stats;
    }

    /** "ksm_rmap_items 12" lines; non-numeric ones ("ksm_merge_any: no") are left out. */
    static Map<String, Long> parseKsmStat(String text) {
        Map<String, Long> values = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length == 2 && fields[1].matches("-?\\d+")) {
                values.put(fields[0], Long.parseLong(fields[1]));
            }
        }
        return values;
    }

    private List<Integer> pidsWithComm(String comm, boolean exact) {
        List<Integer> pids = new ArrayList<>();
        try (Stream<Path> entries = Files.list(procRoot)) {
            entries.filter(p -> p.getFileName().toString().matches("\\d+")).forEach(p -> {
                try {
                    String c = Files.readString(p.resolve("comm")).trim();
                    if (exact ? c.equals(comm) : c.startsWith(comm)) {
                        pids.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException e) {
                    // the process ended while we listed
                }
            });
        } catch (IOException e) {
            return List.of();
        }
        pids.sort(null);
        return pids;
    }
}
