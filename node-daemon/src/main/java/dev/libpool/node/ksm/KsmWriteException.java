package dev.libpool.node.ksm;

/** A KSM write that was refused or failed; the message names the knob and what to do. */
public class KsmWriteException extends Exception {
    public enum Reason {
        /** The kernel has no such file (older kernel, no NUMA, ...). */
        KNOB_MISSING("KnobMissing", "Unsupported"),
        OUT_OF_RANGE("OutOfRange", "Failed"),
        READ_ONLY("ReadOnlySysfs", "Failed"),
        /** EBUSY: merge_across_nodes/max_page_sharing while pages are merged. */
        BUSY("KnobBusy", "Failed"),
        /** EINVAL or a value that did not read back. */
        KERNEL_REFUSED("KernelRefused", "Failed"),
        IO("WriteFailed", "Failed");

        private final String conditionReason;
        private final String state;

        Reason(String conditionReason, String state) {
            this.conditionReason = conditionReason;
            this.state = state;
        }

        /** CamelCase reason for the node report. */
        public String conditionReason() { return conditionReason; }
        /** NodeKsmState.state this failure leads to. */
        public String state() { return state; }
    }

    private final Reason reason;

    public KsmWriteException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() { return reason; }
}
