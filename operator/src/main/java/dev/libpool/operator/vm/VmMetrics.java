package dev.libpool.operator.vm;

/** What the VM side reports to the operator's metrics. */
public interface VmMetrics {
    /** One accepted VM patch: {@code attached} true when it added a pool, false when it removed one. */
    void patched(boolean attached);
}
