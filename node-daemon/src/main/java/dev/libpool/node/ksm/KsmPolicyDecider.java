package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmAdvisorSpec;
import dev.libpool.api.v1alpha1.KsmSpec;

import java.util.Map;

/**
 * Turns a pool's spec.ksm into the knob values this node's kernel should have. Pure: the kernel's current
 * reading says which files exist; the Adaptive loop's output comes in from the caller, which carries its state.
 * <ul>
 * <li>Unmanaged: nothing.</li>
 * <li>Off: run=0 only — never run=2, whose unmerging can spike memory use.</li>
 * <li>Static: sleep_millisecs, pages_to_scan (both required), run=1.</li>
 * <li>Adaptive: what the loop says (run=0, or sleep_millisecs + pages_to_scan + run=1).</li>
 * <li>Advisor: advisor_mode=scan-time, advisor_target_scan_time, advisor_max_cpu, min/max pages where given,
 * sleep_millisecs where given, run=1; Unsupported on a kernel without advisor_mode (before Linux 6.7).</li>
 * </ul>
 * Static, Adaptive and Advisor also set merge_across_nodes, use_zero_pages and max_page_sharing where given.
 * Static and Adaptive set advisor_mode=none when the advisor is on, since the kernel refuses pages_to_scan
 * while it is (the conflict check decides whether that advisor is ours to switch off).
 */
public final class KsmPolicyDecider {
    private KsmPolicyDecider() { }

    public static KsmDecision decide(KsmSpec spec, KsmReading current, KsmSettings adaptiveSettings) {
        KsmSpec.KsmPolicy policy = spec == null || spec.getPolicy() == null ? KsmSpec.KsmPolicy.Unmanaged : spec.getPolicy();
        KsmDecision decision = switch (policy) {
            case Unmanaged -> KsmDecision.observe();
            case Off -> KsmDecision.write(KsmSettings.none().with(KsmKnob.RUN, 0));
            case Static -> staticSettings(spec, current);
            case Adaptive -> KsmDecision.write(common(spec, leaveAdvisor(current, adaptiveSettings)));
            case Advisor -> advisorSettings(spec, current);
        };
        return decision.outcome() == KsmDecision.Outcome.WRITE ? checked(decision.settings(), current) : decision;
    }

    private static KsmDecision staticSettings(KsmSpec spec, KsmReading current) {
        if (spec.getPagesToScan() == null || spec.getSleepMillisecs() == null) {
            return KsmDecision.invalid("InvalidSpec", "ksm.policy Static needs ksm.pagesToScan and ksm.sleepMillisecs "
                    + "(e.g. 100 and 200): set both in the pool");
        }
        KsmSettings settings = KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, spec.getSleepMillisecs())
                .with(KsmKnob.PAGES_TO_SCAN, spec.getPagesToScan()).with(KsmKnob.RUN, 1);
        return KsmDecision.write(common(spec, leaveAdvisor(current, settings)));
    }

    private static KsmDecision advisorSettings(KsmSpec spec, KsmReading current) {
        if (!current.has(KsmKnob.ADVISOR_MODE)) {
            return KsmDecision.unsupported("AdvisorNotSupported", "this kernel has no ksm advisor_mode (the scan-time "
                    + "advisor needs Linux 6.7+): use ksm.policy Adaptive or Static on this node");
        }
        KsmAdvisorSpec advisor = spec.getAdvisor() == null ? new KsmAdvisorSpec() : spec.getAdvisor();
        KsmSettings settings = KsmSettings.none().with(KsmKnob.ADVISOR_MODE, KsmKnob.ADVISOR_SCAN_TIME)
                .with(KsmKnob.ADVISOR_TARGET_SCAN_TIME, advisor.getTargetScanTimeSeconds())
                .with(KsmKnob.ADVISOR_MAX_CPU, advisor.getMaxCpuPercent()).with(KsmKnob.RUN, 1);
        settings = withOptional(settings, KsmKnob.ADVISOR_MIN_PAGES_TO_SCAN, advisor.getMinPagesToScan());
        settings = withOptional(settings, KsmKnob.ADVISOR_MAX_PAGES_TO_SCAN, advisor.getMaxPagesToScan());
        settings = withOptional(settings, KsmKnob.SLEEP_MILLISECS, spec.getSleepMillisecs());
        long min = effective(settings, current, KsmKnob.ADVISOR_MIN_PAGES_TO_SCAN);
        long max = effective(settings, current, KsmKnob.ADVISOR_MAX_PAGES_TO_SCAN);
        if (min > max) {
            return KsmDecision.invalid("InvalidSpec", "ksm.advisor.minPagesToScan (" + min + ") would exceed "
                    + "advisor_max_pages_to_scan (" + max + "): lower it or set ksm.advisor.maxPagesToScan");
        }
        return KsmDecision.write(common(spec, settings));
    }

    private static KsmSettings leaveAdvisor(KsmReading current, KsmSettings settings) {
        return settings.get(KsmKnob.PAGES_TO_SCAN) != null && current.advisorActive()
                ? settings.with(KsmKnob.ADVISOR_MODE, KsmKnob.ADVISOR_NONE) : settings;
    }

    private static KsmSettings common(KsmSpec spec, KsmSettings settings) {
        settings = withOptional(settings, KsmKnob.MERGE_ACROSS_NODES, flag(spec.getMergeAcrossNodes()));
        settings = withOptional(settings, KsmKnob.USE_ZERO_PAGES, flag(spec.getUseZeroPages()));
        return withOptional(settings, KsmKnob.MAX_PAGE_SHARING, spec.getMaxPageSharing());
    }

    /** Every knob must exist in this kernel and hold an acceptable value, or nothing is written. */
    private static KsmDecision checked(KsmSettings settings, KsmReading current) {
        for (Map.Entry<KsmKnob, String> e : settings.values().entrySet()) {
            if (!current.has(e.getKey())) {
                return KsmDecision.unsupported("KnobMissing", "this kernel has no ksm " + e.getKey().fileName()
                        + ": remove the setting that needs it from the pool's spec.ksm");
            }
            try {
                e.getKey().validate(e.getValue());
            } catch (KsmWriteException bad) {
                return KsmDecision.invalid("OutOfRange", "spec.ksm of the pool: " + bad.getMessage());
            }
        }
        return KsmDecision.write(settings);
    }

    private static KsmSettings withOptional(KsmSettings settings, KsmKnob knob, Integer value) {
        return value == null ? settings : settings.with(knob, value);
    }

    private static Integer flag(Boolean value) {
        return value == null ? null : value ? 1 : 0;
    }

    private static long effective(KsmSettings settings, KsmReading current, KsmKnob knob) {
        String value = settings.get(knob) != null ? settings.get(knob) : current.value(knob).orElse(null);
        return value == null ? (knob == KsmKnob.ADVISOR_MIN_PAGES_TO_SCAN ? 0 : Long.MAX_VALUE) : Long.parseLong(value);
    }
}
