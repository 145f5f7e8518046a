package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmAdaptiveSpec;

/**
 * The Adaptive policy: one step of a memory-pressure loop in the spirit of ksmtuned, oVirt MoM's ksm.rules
 * and KubeVirt's KSM handler, whose numbers are the defaults (KsmAdaptiveSpec). Pure.
 * <ul>
 * <li>pressure = MemAvailable &lt;= freePercent of MemTotal;</li>
 * <li>under pressure: start ksmd at the start value, or add boostPages (at most maxPages);</li>
 * <li>without pressure: take decayPages off; below minPages ksmd stops; a stopped ksmd stays stopped;</li>
 * <li>sleep_millisecs = sleepBaseMillisecs x 16 GiB / used memory, at least minSleepMillisecs, at most
 * 60000 — more memory in use means more to scan, so ksmd sleeps less.</li>
 * </ul>
 */
public final class AdaptiveLoop {
    /** What the loop carries from one evaluation to the next. */
    public record State(boolean running, int pagesToScan) {
        public static final State STOPPED = new State(false, 0);
    }

    /** One evaluation: the next state, whether there was pressure, and the knobs to write. */
    public record Step(State next, boolean pressure, KsmSettings settings) { }

    /** KubeVirt starts ksmd at 100 pages; KsmSpec.pagesToScan overrides it for Adaptive. */
    static final int DEFAULT_START_PAGES = 100;
    private static final long SIXTEEN_GIB_IN_KIB = 16L * 1024 * 1024;
    private static final long MAX_SLEEP_MILLISECS = 60_000;

    private AdaptiveLoop() { }

    public static Step next(KsmAdaptiveSpec spec, Integer startPages, MemInfo mem, State previous) {
        boolean pressure = mem.availableKiB() * 100 <= mem.totalKiB() * spec.getFreePercent();
        State next;
        if (pressure) {
            int start = clamp(startPages == null ? DEFAULT_START_PAGES : startPages, spec.getMinPages(), spec.getMaxPages());
            next = previous.running()
                    ? new State(true, Math.min(previous.pagesToScan() + spec.getBoostPages(), spec.getMaxPages()))
                    : new State(true, start);
        } else if (previous.running()) {
            int decayed = previous.pagesToScan() - spec.getDecayPages();
            next = decayed < spec.getMinPages() ? State.STOPPED : new State(true, decayed);
        } else {
            next = State.STOPPED;
        }
        KsmSettings settings = next.running()
                ? KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, sleepMillisecs(spec, mem))
                        .with(KsmKnob.PAGES_TO_SCAN, next.pagesToScan()).with(KsmKnob.RUN, 1)
                : KsmSettings.none().with(KsmKnob.RUN, 0);
        return new Step(next, pressure, settings);
    }

    static long sleepMillisecs(KsmAdaptiveSpec spec, MemInfo mem) {
        long used = Math.max(1, mem.usedKiB());
        long sleep = spec.getSleepBaseMillisecs() * SIXTEEN_GIB_IN_KIB / used;
        return Math.min(MAX_SLEEP_MILLISECS, Math.max(spec.getMinSleepMillisecs(), sleep));
    }

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }
}
