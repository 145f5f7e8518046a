package dev.libpool.node.ksm;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One read of /sys/kernel/mm/ksm: every numeric file, and advisor_mode (null when the kernel has none,
 * i.e. before Linux 6.7).
 */
public record KsmReading(Map<String, Long> counters, String advisorMode, long pageSizeBytes) {
    /** Size of the kernel's struct ksm_rmap_item on 64-bit, as the KSM admin guide uses for its estimate. */
    static final long RMAP_ITEM_BYTES = 64;
    /** Key under which {@link #forReport()} states the advisor: 1 = scan-time, 0 = none. */
    public static final String ADVISOR_SCAN_TIME_KEY = "advisor_mode_scan_time";

    public KsmReading {
        counters = Collections.unmodifiableMap(new TreeMap<>(counters));
    }

    public boolean has(KsmKnob knob) {
        return knob == KsmKnob.ADVISOR_MODE ? advisorMode != null : counters.containsKey(knob.fileName());
    }

    /** The current value of a knob as the string one would write to get it. */
    public Optional<String> value(KsmKnob knob) {
        if (knob == KsmKnob.ADVISOR_MODE) {
            return Optional.ofNullable(advisorMode);
        }
        return counter(knob.fileName()).map(String::valueOf);
    }

    public Optional<Long> counter(String fileName) {
        return Optional.ofNullable(counters.get(fileName));
    }

    public boolean advisorActive() {
        return KsmKnob.ADVISOR_SCAN_TIME.equals(advisorMode);
    }

    public boolean anythingMerged() {
        return counter("pages_shared").orElse(0L) > 0;
    }

    /**
     * Bytes KSM saves: general_profit where the kernel has it (Linux 6.1+), else the admin guide's estimate
     * pages_sharing x page size - (pages_sharing + pages_shared + pages_unshared + pages_volatile) x rmap item.
     */
    public long profitBytes() {
        Optional<Long> general = counter("general_profit");
        if (general.isPresent()) {
            return general.get();
        }
        long sharing = counter("pages_sharing").orElse(0L);
        long rmapItems = sharing + counter("pages_shared").orElse(0L) + counter("pages_unshared").orElse(0L)
                + counter("pages_volatile").orElse(0L);
        return sharing * pageSizeBytes - rmapItems * RMAP_ITEM_BYTES;
    }

    /** The values for NodeKsmState.sysfs: every numeric file plus advisor_mode as 0/1. */
    public Map<String, Long> forReport() {
        Map<String, Long> report = new LinkedHashMap<>(counters);
        if (advisorMode != null) {
            report.put(ADVISOR_SCAN_TIME_KEY, advisorActive() ? 1L : 0L);
        }
        return report;
    }
}
