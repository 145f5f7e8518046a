package dev.libpool.e2e.demo;

import java.util.Locale;

/** What the demo says before it starts: the machine, the accelerator and why, the modes, time, the report. */
final class DemoPlan {

    /** Boot to ready (workload up) of one guest under TCG on 2 busy cores, plus settling (measured: ~30 s). */
    static final int SECONDS_PER_GUEST = 30;
    /** The guest's attach checks the sha256 of every pool library under TCG first (measured: 10-20 s more). */
    static final int POOL_ATTACH_SECONDS_PER_GUEST = 15;
    /** The extra wait per guest for KSM to converge at 1000 pages / 20 ms (measured: 0-25 s). */
    static final int KSM_SECONDS_PER_GUEST = 10;
    /** Per mode: KSM switch, idle sample, destroying the guests. */
    static final int SECONDS_PER_MODE = 10;
    /** First run only: the guest kernel download, initramfs, root tree and disk, the pool. */
    static final int FIRST_RUN_SECONDS = 180;

    private DemoPlan() {
    }

    static String describe(DemoOptions options, MachineInfo machine, boolean cacheReady) {
        DemoSettings s = options.settings();
        StringBuilder text = new StringBuilder();
        text.append(options.bench() ? "libpool bench guests" : "libpool demo")
                .append(": boots real guests on this machine and measures on the host what they cost.\n");
        text.append(String.format(Locale.ROOT, "  machine: %s, %d cores, %s MiB, kernel %s, %s%n", machine.cpuModel(),
                machine.cores(), Units.mib(machine.memTotalBytes()), machine.kernel(), machine.qemuVersion()));
        text.append("  accelerator: ").append(machine.accel()).append(" - ").append(machine.accelReason())
                .append(" (guests boot slower than under KVM; memory figures are the same)\n");
        text.append(String.format(Locale.ROOT, "  %d guest(s) of %d MiB per mode, started one after the other, "
                + "workload '%s'; modes:%n", s.guests(), s.memMiB(), s.workload()));
        int n = 1;
        for (Mode mode : s.modes()) {
            text.append(String.format(Locale.ROOT, "    %d. %-26s %s%n", n++, mode.label(), what(mode)));
        }
        text.append("  KSM: off in the modes without it; /sys/kernel/mm/ksm is saved first and restored at the end, "
                + "also on Ctrl-C or failure\n");
        text.append("  estimated time: about ").append(minutes(estimateSeconds(s, cacheReady))).append(" min")
                .append(cacheReady ? "" : " (includes a few minutes once, to fetch the guest kernel and build the "
                        + "guest disk)").append('\n');
        text.append("  output: ").append(options.bench() ? "the tables below"
                : "the tables below and a report in " + options.reportDir().toAbsolutePath() + "/ (index.html)")
                .append('\n');
        return text.toString();
    }

    static int estimateSeconds(DemoSettings s, boolean cacheReady) {
        int seconds = cacheReady ? 0 : FIRST_RUN_SECONDS;
        for (Mode mode : s.modes()) {
            seconds += SECONDS_PER_MODE + s.guests() * (SECONDS_PER_GUEST
                    + (mode.usesPool() ? POOL_ATTACH_SECONDS_PER_GUEST : 0) + (mode.usesKsm() ? KSM_SECONDS_PER_GUEST : 0));
        }
        return seconds;
    }

    private static String minutes(int seconds) {
        return String.valueOf(Math.max(1, Math.round(seconds / 60.0)));
    }

    static String what(Mode mode) {
        String ram = mode.sharedMemfd() ? "guest RAM in a shared memfd (KSM cannot merge it); " : "";
        String libs = mode.usesPool()
                ? "libraries mapped from the host's pool (virtio-pmem + DAX, attached by the KubeVirt hook)"
                : "libraries read from each guest's own disk into its page cache";
        String ksm = mode.usesKsm() ? "; ksmd scans " + KsmSwitch.PAGES_TO_SCAN + " pages every "
                + KsmSwitch.SLEEP_MILLISECS + " ms" : "";
        return ram + libs + ksm;
    }
}
