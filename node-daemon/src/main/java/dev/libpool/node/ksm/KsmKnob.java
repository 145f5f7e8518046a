package dev.libpool.node.ksm;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;

/**
 * The writable files of /sys/kernel/mm/ksm that libpool may set, with the values it accepts from a policy.
 * The ranges are those of the SharedLibraryPool API (tighter than the kernel's), so a bad value is refused
 * before anything is written. Restoring a node's original values does not go through these ranges: those
 * values came from the kernel itself.
 */
public enum KsmKnob {
    RUN("run", 0, 2),
    SLEEP_MILLISECS("sleep_millisecs", 1, 60_000),
    PAGES_TO_SCAN("pages_to_scan", 1, 100_000),
    MERGE_ACROSS_NODES("merge_across_nodes", 0, 1),
    USE_ZERO_PAGES("use_zero_pages", 0, 1),
    MAX_PAGE_SHARING("max_page_sharing", 2, 1_048_576),
    ADVISOR_MODE("advisor_mode", 0, 0),
    ADVISOR_TARGET_SCAN_TIME("advisor_target_scan_time", 1, 3600),
    ADVISOR_MAX_CPU("advisor_max_cpu", 1, 100),
    ADVISOR_MIN_PAGES_TO_SCAN("advisor_min_pages_to_scan", 1, Integer.MAX_VALUE),
    ADVISOR_MAX_PAGES_TO_SCAN("advisor_max_pages_to_scan", 1, Integer.MAX_VALUE);

    public static final String ADVISOR_NONE = "none";
    public static final String ADVISOR_SCAN_TIME = "scan-time";
    private static final Set<String> ADVISOR_MODES = Set.of(ADVISOR_NONE, ADVISOR_SCAN_TIME);

    private final String fileName;
    private final long min;
    private final long max;

    KsmKnob(String fileName, long min, long max) {
        this.fileName = fileName;
        this.min = min;
        this.max = max;
    }

    public String fileName() { return fileName; }

    public static Optional<KsmKnob> byFileName(String fileName) {
        return Arrays.stream(values()).filter(k -> k.fileName.equals(fileName)).findFirst();
    }

    /** Throws a KsmWriteException (OUT_OF_RANGE) naming the knob and the accepted values. */
    public void validate(String value) throws KsmWriteException {
        if (this == ADVISOR_MODE) {
            if (!ADVISOR_MODES.contains(value)) {
                throw new KsmWriteException(KsmWriteException.Reason.OUT_OF_RANGE,
                        "ksm knob advisor_mode=" + value + " is not accepted: use none or scan-time");
            }
            return;
        }
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new KsmWriteException(KsmWriteException.Reason.OUT_OF_RANGE,
                    "ksm knob " + fileName + "=" + value + " is not a number: use an integer in " + min + ".." + max);
        }
        if (parsed < min || parsed > max) {
            throw new KsmWriteException(KsmWriteException.Reason.OUT_OF_RANGE,
                    "ksm knob " + fileName + "=" + value + " is out of range: use " + min + ".." + max);
        }
    }

    /**
     * Write order: stop ksmd first, start it last; leave the advisor before setting pages_to_scan (the kernel
     * refuses pages_to_scan while advisor_mode=scan-time) and enter it after its parameters are set; set
     * sleep_millisecs before pages_to_scan so a bigger batch never runs at the old, shorter interval.
     */
    int writeRank(String value) {
        return switch (this) {
            case RUN -> "1".equals(value) ? 9 : 0;
            case ADVISOR_MODE -> ADVISOR_SCAN_TIME.equals(value) ? 8 : 1;
            case SLEEP_MILLISECS -> 2;
            case PAGES_TO_SCAN -> 3;
            case ADVISOR_TARGET_SCAN_TIME, ADVISOR_MAX_CPU, ADVISOR_MIN_PAGES_TO_SCAN, ADVISOR_MAX_PAGES_TO_SCAN -> 4;
            case MERGE_ACROSS_NODES, USE_ZERO_PAGES, MAX_PAGE_SHARING -> 5;
        };
    }

    /** merge_across_nodes and max_page_sharing can only change while no page is merged (else EBUSY). */
    boolean needsNothingMerged() {
        return this == MERGE_ACROSS_NODES || this == MAX_PAGE_SHARING;
    }
}
