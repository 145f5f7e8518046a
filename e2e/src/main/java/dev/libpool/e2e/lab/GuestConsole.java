package dev.libpool.e2e.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What a test guest printed on its serial console: the "LIBPOOL-E2E ..." lines of its init
 * (guest-init.sh, workload.sh), parsed. Immutable snapshot of the log at one moment.
 */
public final class GuestConsole {
    static final String PREFIX = "LIBPOOL-E2E ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One library mapping of a workload process, from /proc/PID/maps (device as major:minor, parsed). */
    public record Mapping(int pid, String program, int major, int minor, long inode, String path) {
    }

    /** Page cache a mapped library holds in the guest (fincore): 0 for DAX files. */
    public record CachedFile(long residentBytes, long sizeBytes, String path) {
    }

    private final String text;
    private final List<String> lines;

    GuestConsole(String text) {
        this.text = text;
        this.lines = text.replace("\r", "").lines().toList();
    }

    public String text() {
        return text;
    }

    /** The last lines of the console, for progress and failure messages. */
    public String tail(int count) {
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }

    public String lastLine() {
        return lines.isEmpty() ? "(console empty)" : lines.get(lines.size() - 1);
    }

    /** Values of the marker lines "LIBPOOL-E2E KEY VALUE..." for KEY, in order. */
    public List<String> values(String key) {
        String start = PREFIX + key + " ";
        List<String> values = new ArrayList<>();
        for (String line : lines) {
            int at = line.indexOf(start);
            if (at >= 0) {
                values.add(line.substring(at + start.length()));
            } else if (line.endsWith(PREFIX + key)) {
                values.add("");
            }
        }
        return values;
    }

    public boolean ready() {
        return !values("ready").isEmpty();
    }

    /** A line that means the guest cannot get further (no root disk, kernel panic). */
    public Optional<String> fatal() {
        return lines.stream().filter(l -> l.contains(PREFIX + "fatal") || l.contains("Kernel panic")).findFirst();
    }

    /** The last phase the guest init announced (initramfs, attach, workload, inspect, ready). */
    public String phase() {
        if (ready()) {
            return "ready";
        }
        List<String> phases = values("phase");
        return phases.isEmpty() ? "kernel" : phases.get(phases.size() - 1).split(" ")[0];
    }

    /** Guest uptime (s) when the guest init printed "ready". */
    public OptionalDouble readyUptimeSeconds() {
        return values("ready").stream().map(v -> keyValues(v).get("uptime")).filter(v -> v != null)
                .mapToDouble(Double::parseDouble).findFirst();
    }

    /** Guest seconds from the attach phase's start to the bootstrap's exit (the whole attach, as the guest saw it). */
    public OptionalDouble attachSeconds() {
        OptionalDouble start = values("phase").stream().filter(v -> v.startsWith("attach "))
                .map(v -> keyValues(v).get("uptime")).filter(v -> v != null).mapToDouble(Double::parseDouble).findFirst();
        OptionalDouble end = values("attach-exit").stream().map(v -> keyValues(v).get("uptime"))
                .filter(v -> v != null).mapToDouble(Double::parseDouble).findFirst();
        return start.isPresent() && end.isPresent() ? OptionalDouble.of(end.getAsDouble() - start.getAsDouble())
                : OptionalDouble.empty();
    }

    /** /run/libpool/report.json of the attach, if the guest printed one. */
    public Optional<JsonNode> report() {
        List<String> report = values("report");
        if (report.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(String.join("\n", report)));
        } catch (IOException e) {
            throw new LabException("the guest's report.json does not parse: " + e.getMessage() + "\n"
                    + String.join("\n", report));
        }
    }

    /** /proc/mounts lines of erofs mounts (the pool). */
    public List<String> erofsMounts() {
        return values("mount");
    }

    /** major:minor of the erofs (pool) mount from /proc/self/mountinfo; bind mounts of its files share it. */
    public Optional<int[]> poolDevice() {
        return values("mountinfo").stream().findFirst().map(line -> {
            String[] devNumbers = line.split(" ")[2].split(":");
            return new int[] {Integer.parseInt(devNumbers[0]), Integer.parseInt(devNumbers[1])};
        });
    }

    public List<Mapping> mappings() {
        List<Mapping> mappings = new ArrayList<>();
        for (String value : values("map")) {
            String[] f = value.split(" ", 5);
            String[] dev = f[2].split(":");
            mappings.add(new Mapping(Integer.parseInt(f[0]), f[1], Integer.parseInt(dev[0], 16),
                    Integer.parseInt(dev[1], 16), Long.parseLong(f[3]), f[4]));
        }
        return mappings;
    }

    /** The mappings whose file lives on the pool's erofs device: pool files bind-mounted over the guest's. */
    public List<Mapping> poolMappings() {
        return poolDevice().map(dev -> mappings().stream()
                .filter(m -> m.major() == dev[0] && m.minor() == dev[1]).toList()).orElse(List.of());
    }

    public List<CachedFile> cachedFiles() {
        List<CachedFile> files = new ArrayList<>();
        for (String value : values("cache")) {
            String[] f = value.trim().split("\\s+", 3);
            if (f.length == 3 && f[0].matches("\\d+")) {
                files.add(new CachedFile(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2]));
            }
        }
        return files;
    }

    /**
     * Library bytes the workload's processes have resident, per file the largest Rss any of them has
     * (a lower bound of what they touched together; own disk only: DAX mappings show Rss 0 in a guest).
     */
    public long libraryRssBytes() {
        Map<String, Long> maxPerFile = new LinkedHashMap<>();
        for (String value : values("rss")) {
            String[] f = value.trim().split("\\s+", 3);
            if (f.length == 3 && f[1].matches("\\d+")) {
                maxPerFile.merge(f[2], Long.parseLong(f[1]) * 1024, Math::max);
            }
        }
        return maxPerFile.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The result of the guest's write over the pool device: device, dd-exit, before, after (sha256). */
    public Optional<Map<String, String>> poolWrite() {
        return values("pool-write").stream().findFirst().map(GuestConsole::keyValues);
    }

    public List<String> workloadUp() {
        return values("workload-up").stream().map(v -> v.split(" ")[0]).toList();
    }

    public List<String> workloadFailures() {
        return values("workload-failed");
    }

    static Map<String, String> keyValues(String value) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String part : value.trim().split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                map.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return map;
    }
}
