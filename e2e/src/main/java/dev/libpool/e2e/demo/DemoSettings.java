package dev.libpool.e2e.demo;

import java.util.List;

/**
 * What a run was asked to do.
 *
 * @param guests   guests per mode
 * @param memMiB   RAM of each guest
 * @param workload what each guest runs once booted (a name the harness knows)
 * @param modes    the modes, in the order they run
 */
public record DemoSettings(int guests, int memMiB, String workload, List<Mode> modes) {

    public DemoSettings {
        modes = List.copyOf(modes);
    }
}
