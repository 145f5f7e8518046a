package dev.libpool.e2e.demo;

import java.util.Locale;
import java.util.OptionalDouble;

/**
 * How long after a guest became ready its saving existed. The pool saves from the first page the guest
 * touches (the library pages are never copied into the guest), so its delay is zero by construction; KSM
 * saves only once ksmd has scanned and merged, which the report measures from the samples.
 *
 * @param atAttach   the mode uses the pool
 * @param ksmRan     the mode runs KSM
 * @param ksmSeconds seconds from ready until KSM's gain reached {@link DemoReport#KSM_CONVERGED_SHARE} of
 *                   its final value; empty when KSM did not run or merged nothing
 */
public record SavingDelay(boolean atAttach, boolean ksmRan, OptionalDouble ksmSeconds) {

    /** For a row without a guest of its own (no guests yet). */
    public static final SavingDelay NONE = new SavingDelay(false, false, OptionalDouble.empty());

    public static SavingDelay of(Mode mode, OptionalDouble ksmSeconds) {
        return new SavingDelay(mode.usesPool(), mode.usesKsm(), ksmSeconds);
    }

    public String format() {
        String pool = atAttach ? "0 s (attach)" : "";
        if (!ksmRan) {
            return atAttach ? pool : "-";
        }
        String ksm = ksmSeconds.isPresent()
                ? String.format(Locale.ROOT, "KSM %.1f s", ksmSeconds.getAsDouble())
                : "KSM: none";
        return atAttach ? "0 s + " + ksm : ksm;
    }
}
