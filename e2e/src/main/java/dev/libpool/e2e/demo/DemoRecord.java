package dev.libpool.e2e.demo;

import java.util.List;

/** Everything a run recorded: the raw material of samples.json and of every figure in the report. */
public record DemoRecord(MachineInfo machine, DemoSettings settings, long startedMillis, List<ModeRun> runs) {

    public DemoRecord {
        runs = List.copyOf(runs);
    }
}
