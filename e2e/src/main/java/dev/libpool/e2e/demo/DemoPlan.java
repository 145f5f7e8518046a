package dev.libpool.e2e.demo;

import java.util.Locale;

/** What the demo says before it starts: the machine, the accelerator and why, the modes, time, the report. */
final class DemoPlan {

    /** Boot to ready (workload up) of one guest under TCG on 2 busy cores, plus settling (measured: ~30 s). */
    static final int SECONDS_PER_GUEST = 30;
    /** A first attach hashes every pool library's guest copy under TCG (measured: 10-20 s more). */
    static final int POOL_ATTACH_SECONDS_PER_GUEST = 15;
    /** The extra wait per guest for KSM to converge at 1000 pages / 20 ms (measured: 0-25 s). */
    static final int KSM_SECONDS_PER_GUEST = 10;
    /** Per mode: KSM switch, idle sample, destroying the guests. */
    static final int SECONDS_PER_MODE = 10;
    /** Per pool medium: a lab of its own (pool build, libvirtd start). */
    static final int SECONDS_PER_LAB = 30;
    /** Per pool mode: guest 1 booted again on its disk, its attach verifying from its cache. */
    static final int SECOND_BOOT_SECONDS = 40;
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
        text.append(String.format(Locale.ROOT, "  guests: %d per mode%s; more show crossovers later in the run, "
                + "but each TCG guest takes ~%d s to boot and settle here; crossovers beyond %d guests are "
                + "extrapolated from the slopes and labelled so%n", s.guests(),
                options.bench() ? " (the count the targets are stated for)" : "", SECONDS_PER_GUEST + 15, s.guests()));
        text.append("  each pool mode ends with a second boot of its guest 1 on the same disk (attach from its cache); "
                + "a pool guest that does not attach fails the mode\n");
        if (s.modes().contains(Mode.POOL_HUGETLBFS)) {
            text.append("  pool on hugetlbfs: vm.nr_hugepages is raised for that mode only and put back after it; "
                    + "where the kernel cannot reserve them, the mode is skipped and the report says why\n");
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
        seconds += SECONDS_PER_LAB * (int) s.modes().stream().map(Mode::medium).filter(m -> m != null).distinct().count();
        for (Mode mode : s.modes()) {
            seconds += SECONDS_PER_MODE + (mode.usesPool() ? SECOND_BOOT_SECONDS : 0) + s.guests() * (SECONDS_PER_GUEST
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
                ? "libraries mapped from the host's pool on " + mode.medium() + " (virtio-pmem + DAX, attached by "
                + "the KubeVirt hook)"
                : "libraries read from each guest's own disk into its page cache";
        String ksm = mode.usesKsm() ? "; ksmd scans " + KsmSwitch.PAGES_TO_SCAN + " pages every "
                + KsmSwitch.SLEEP_MILLISECS + " ms" : "";
        return ram + libs + ksm;
    }
}
