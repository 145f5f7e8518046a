package dev.libpool.e2e.demo;

import java.util.List;

/**
 * Everything a run recorded: the raw material of samples.json and of every figure in the report.
 *
 * @param skipped the modes that could not run on this machine, each with the reason (e.g. no huge pages)
 */
public record DemoRecord(MachineInfo machine, DemoSettings settings, long startedMillis, List<ModeRun> runs,
                         List<String> skipped) {

    public DemoRecord {
        runs = List.copyOf(runs);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    public DemoRecord(MachineInfo machine, DemoSettings settings, long startedMillis, List<ModeRun> runs) {
        this(machine, settings, startedMillis, runs, List.of());
    }
}
