package dev.libpool.e2e.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a distribution guest's probe printed (distro-probe.sh): lines {@code LIBPOOL-DISTRO <boot> <key>
 * <value>}, boot 1 being cloud-init's first boot. Anything else on the port is ignored.
 */
public final class DistroProbe {
    private static final String PREFIX = "LIBPOOL-DISTRO ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One probe line. */
    public record Line(int boot, String key, String value) {
    }

    /** A library mapping of a process seen by the probe: program, device as in /proc/PID/maps, path. */
    public record Mapping(String program, String device, String path) {
    }

    private final List<Line> lines;

    private DistroProbe(List<Line> lines) {
        this.lines = lines;
    }

    public static DistroProbe parse(String text) {
        List<Line> lines = new ArrayList<>();
        for (String raw : text.split("\\r?\\n")) {
            int at = raw.indexOf(PREFIX);
            if (at < 0) {
                continue;
            }
            String[] parts = raw.substring(at + PREFIX.length()).split(" ", 3);
            if (parts.length >= 2 && parts[0].matches("\\d{1,3}")) {
                lines.add(new Line(Integer.parseInt(parts[0]), parts[1], parts.length == 3 ? parts[2].strip() : ""));
            }
        }
        return new DistroProbe(List.copyOf(lines));
    }

    public List<Line> lines() {
        return lines;
    }

    /** Whether boot {@code boot} printed {@code key}. */
    public boolean has(int boot, String key) {
        return value(boot, key).isPresent();
    }

    /** The first value of {@code key} in boot {@code boot}. */
    public Optional<String> value(int boot, String key) {
        return values(boot, key).stream().findFirst();
    }

    /** Every value of {@code key} in boot {@code boot}, in order. */
    public List<String> values(int boot, String key) {
        return lines.stream().filter(l -> l.boot() == boot && l.key().equals(key)).map(Line::value).toList();
    }

    /** The value of {@code key} in boot {@code boot}, or an AssertionError-like failure naming what is missing. */
    public String require(int boot, String key) {
        return value(boot, key).orElseThrow(() -> new LabException("the guest probe printed no '" + key
                + "' in boot " + boot + "; it printed: " + lines));
    }

    /** A JSON value (e.g. a report.json printed on one line). */
    public JsonNode json(int boot, String key) {
        String text = require(boot, key);
        try {
            return JSON.readTree(text.isEmpty() ? "{}" : text);
        } catch (java.io.IOException e) {
            throw new LabException("probe value '" + key + "' of boot " + boot + " is not JSON: " + text, e);
        }
    }

    /** The library mappings of the probed processes in boot {@code boot}. */
    public List<Mapping> mappings(int boot) {
        return values(boot, "map").stream().map(v -> v.split(" ", 3)).filter(p -> p.length == 3)
                .map(p -> new Mapping(p[0], p[1], p[2])).toList();
    }

    /** The pool device as /proc/PID/maps prints it ("103:00"), empty when the pool was not mounted. */
    public String poolMapsDevice(int boot) {
        String[] parts = value(boot, "pool-dev").orElse("").split(" ");
        return parts.length == 2 ? parts[1] : "";
    }

    /** systemd's ActiveEnterTimestampMonotonic of {@code unit} in boot {@code boot} (µs; 0 = never active). */
    public long activeAt(int boot, String unit) {
        return values(boot, "active-at").stream().map(v -> v.split(" "))
                .filter(p -> p.length == 2 && p[0].equals(unit)).mapToLong(p -> Long.parseLong(p[1])).findFirst()
                .orElseThrow(() -> new LabException("the guest probe printed no activation time of " + unit
                        + " in boot " + boot));
    }
}
