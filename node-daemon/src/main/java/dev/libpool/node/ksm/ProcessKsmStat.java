package dev.libpool.node.ksm;

import java.util.Map;

/** /proc/PID/ksm_stat of one process (Linux 6.1+): ksm_rmap_items, ksm_zero_pages, ksm_process_profit, ... */
public record ProcessKsmStat(int pid, String comm, Map<String, Long> values) {
    public ProcessKsmStat {
        values = Map.copyOf(values);
    }

    /** ksm_process_profit in bytes, 0 when the kernel does not show it. */
    public long profitBytes() {
        return values.getOrDefault("ksm_process_profit", 0L);
    }
}
