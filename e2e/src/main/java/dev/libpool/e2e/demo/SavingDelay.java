package dev.libpool.e2e.demo;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * How long after a guest became ready its saving existed, measured from the samples. The pool saves once the
 * guest's QEMU maps pool pages (the library pages are never copied into the guest): the delay is from ready to
 * the first sample in which as many QEMUs map the pool as guests run (0 when that was so before ready). KSM
 * saves once ksmd has scanned and merged: the delay until its gain reached
 * {@link DemoReport#KSM_CONVERGED_SHARE} of its final value.
 *
 * @param pool        the mode uses the pool
 * @param poolSeconds seconds from ready until the guest's QEMU mapped the pool; empty when it never did
 * @param ksmRan      the mode runs KSM
 * @param ksmSeconds  seconds from ready until KSM's gain converged; empty when KSM did not run or merged nothing
 */
public record SavingDelay(boolean pool, OptionalDouble poolSeconds, boolean ksmRan, OptionalDouble ksmSeconds) {

    /** For a row without a guest of its own (no guests yet). */
    public static final SavingDelay NONE = new SavingDelay(false, OptionalDouble.empty(), false, OptionalDouble.empty());

    public static SavingDelay of(Mode mode, OptionalDouble poolSeconds, OptionalDouble ksmSeconds) {
        return new SavingDelay(mode.usesPool(), poolSeconds, mode.usesKsm(), ksmSeconds);
    }

    public String format() {
        String poolPart = !pool ? ""
                : poolSeconds.isPresent() ? String.format(Locale.ROOT, "pool %.1f s", poolSeconds.getAsDouble())
                : "pool: not mapped";
        if (!ksmRan) {
            return pool ? poolPart : "-";
        }
        String ksm = ksmSeconds.isPresent()
                ? String.format(Locale.ROOT, "KSM %.1f s", ksmSeconds.getAsDouble())
                : "KSM: none";
        return pool ? poolPart + " + " + ksm : ksm;
    }
}
