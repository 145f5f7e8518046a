package dev.libpool.node.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Whether a pass's report is worth writing: every write wakes the operator, so the daemon writes only when
 * something other than a measured figure changed (a state, reason, image, mapper count, KSM knob...), when a
 * figure moved by more than {@link #RELATIVE} of its value (and, for bytes, more than {@link #MIN_BYTES}), or
 * when the last write is older than {@link #HEARTBEAT}, so a missing report comes back and readers see the
 * daemon alive. Pure: the caller says what it wrote and when.
 */
public final class ReportThrottle {

    static final double RELATIVE = 0.05;
    static final long MIN_BYTES = 1L << 20;
    static final Duration HEARTBEAT = Duration.ofMinutes(30);
    /** Measured figures (and every value of the KSM sysfs map); everything else must match exactly. */
    private static final Set<String> FIGURES = Set.of("residentBytes", "savedBytes", "profitBytes", "ksmdCpuSeconds",
            "files", "fileBytes", "pages", "bytes");
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonNode written;
    private Instant writtenAt;

    public boolean shouldWrite(NodePoolReportStatus status, Instant now) {
        return written == null || now.isAfter(writtenAt.plus(HEARTBEAT)) || moved(written, tree(status), null);
    }

    public void written(NodePoolReportStatus status, Instant at) {
        written = tree(status);
        writtenAt = at;
    }

    private static JsonNode tree(NodePoolReportStatus status) {
        JsonNode tree = JSON.valueToTree(status);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree).remove("updateTime");
        return tree;
    }

    static boolean moved(JsonNode old, JsonNode now, String field) {
        if (old.isNumber() && now.isNumber() && field != null && FIGURES.contains(field)) {
            return figureMoved(field, old.asDouble(), now.asDouble());
        }
        if (old.isObject() && now.isObject() && old.size() == now.size()) {
            boolean sysfs = "sysfs".equals(field);
            for (Iterator<Map.Entry<String, JsonNode>> it = now.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode before = old.get(e.getKey());
                if (before == null || (sysfs && before.isNumber() && e.getValue().isNumber()
                        ? figureMoved(e.getKey(), before.asDouble(), e.getValue().asDouble())
                        : moved(before, e.getValue(), e.getKey()))) {
                    return true;
                }
            }
            return false;
        }
        if (old.isArray() && now.isArray() && old.size() == now.size()) {
            for (int i = 0; i < now.size(); i++) {
                if (moved(old.get(i), now.get(i), field)) {
                    return true;
                }
            }
            return false;
        }
        return !old.equals(now);
    }

    private static boolean figureMoved(String field, double old, double now) {
        double delta = Math.abs(now - old);
        boolean bytes = field.toLowerCase(java.util.Locale.ROOT).endsWith("bytes");
        return delta > RELATIVE * Math.max(Math.abs(old), Math.abs(now)) && (!bytes || delta > MIN_BYTES);
    }
}
