package dev.libpool.node.ksm;

import java.util.List;
import java.util.Optional;

/** What KSM saves and costs now: the sysfs counters, ksmd's CPU time, and each QEMU's ksm_stat. */
public record KsmMeasurement(KsmReading reading, Optional<Double> ksmdCpuSeconds, List<ProcessKsmStat> qemuProcesses) {
    public long profitBytes() {
        return reading.profitBytes();
    }
}
