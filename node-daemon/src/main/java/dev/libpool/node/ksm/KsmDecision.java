package dev.libpool.node.ksm;

/** What a KSM policy asks of this node's kernel: nothing, some knob values, or why it cannot be done. */
public record KsmDecision(Outcome outcome, KsmSettings settings, String reason, String message) {
    public enum Outcome {
        /** Unmanaged: only observe. */
        OBSERVE,
        /** Write these settings. */
        WRITE,
        /** The kernel lacks what the policy needs. */
        UNSUPPORTED,
        /** The pool's spec.ksm is unusable (missing or out-of-range value). */
        INVALID
    }

    static KsmDecision observe() {
        return new KsmDecision(Outcome.OBSERVE, KsmSettings.none(), "NoPolicy", "no pool asks for KSM tuning");
    }

    static KsmDecision write(KsmSettings settings) {
        return new KsmDecision(Outcome.WRITE, settings, "PolicyApplied", "applied " + settings);
    }

    static KsmDecision unsupported(String reason, String message) {
        return new KsmDecision(Outcome.UNSUPPORTED, KsmSettings.none(), reason, message);
    }

    static KsmDecision invalid(String reason, String message) {
        return new KsmDecision(Outcome.INVALID, KsmSettings.none(), reason, message);
    }
}
