package dev.libpool.e2e.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * A recorded run with known figures: each mode boots its guests 25 s apart (5 s of boot, then 20 settled
 * samples one second apart). A mode's footprint with k guests is fixed + perGuest * k MiB, minus what KSM
 * merged; KSM merges ksmGain MiB per guest, linearly over the 10 s after the guest is ready, so it reaches
 * 90% of its gain 9 s after ready.
 */
final class SyntheticRuns {

    static final long MIB = 1024L * 1024L;
    static final long T0 = 1_700_000_000_000L;
    static final long IDLE_HOST_USED = 1000 * MIB;
    static final long IDLE_KSM_PROFIT = 3 * MIB;
    /** Host used grows by this much more than the footprint per guest (the own disks' page cache). */
    static final long PAGE_CACHE_PER_GUEST = 20 * MIB;
    static final MachineInfo MACHINE = new MachineInfo("AMD EPYC (synthetic)", 2, 24L * 1024 * MIB,
            "6.1.0-test-amd64", "QEMU emulator version 7.2.22", "TCG", "/dev/kvm cannot boot stock kernels");

    private SyntheticRuns() {
    }

    /** All six modes with 3 guests: own disk 400/guest, pool 200 + 200/guest, KSM merging 50 MiB/guest. */
    static DemoRecord full() {
        int guests = 3;
        List<ModeRun> runs = new ArrayList<>();
        long t = T0;
        for (Mode mode : Mode.ALL) {
            long fixed = mode.usesPool() ? 200 : 0;
            long perGuest = mode.usesPool() ? 200 : 400;
            long ksmGain = mode == Mode.OWN_DISK_KSM ? 50 : mode == Mode.POOL_KSM ? 10 : 0;
            runs.add(mode(mode, t, guests, fixed, perGuest, ksmGain, null));
            t += 100_000L;
        }
        return new DemoRecord(MACHINE, new DemoSettings(guests, 512, "libs", Mode.ALL), T0, runs);
    }

    static ModeRun mode(Mode mode, long t0, int guests, long fixedMiB, long perGuestMiB, long ksmGainMiB, String error) {
        List<Sample> samples = new ArrayList<>();
        List<Long> ready = new ArrayList<>();
        double ksmdCpu = 100.0;
        samples.add(sample(t0, 0, 0, fixedMiB, fixedMiB, 0, 0, ksmdCpu));
        long start = t0 + 1000;
        for (int k = 1; k <= guests; k++) {
            long tStart = start + (k - 1) * 25_000L;
            long before = fixedMiB + perGuestMiB * (k - 1) - ksmGainMiB * (k - 1);
            for (int i = 0; i < 5; i++) {
                // Booting: the new QEMU grows; these samples must never count as k or k-1 guests.
                samples.add(sample(tStart + i * 1000L, k, k - 1, before + 77 * (i + 1), fixedMiB,
                        ksmGainMiB * (k - 1), k - 1, ksmdCpu));
            }
            long readyAt = tStart + 5000;
            ready.add(readyAt);
            for (int i = 0; i < 20; i++) {
                double merged = ksmGainMiB * Math.min(1.0, i / 10.0);
                if (ksmGainMiB > 0 && i <= 10) {
                    ksmdCpu += 0.5;
                }
                long footprint = Math.round(fixedMiB + perGuestMiB * k - ksmGainMiB * (k - 1) - merged);
                samples.add(sample(readyAt + i * 1000L, k, k, footprint, fixedMiB,
                        Math.round(ksmGainMiB * (k - 1) + merged), k, ksmdCpu));
            }
        }
        return new ModeRun(mode, start, ready, samples, error);
    }

    /** A sample whose footprint is footprintMiB; with a pool, 150 MiB of the pool are mapped once guests run. */
    private static Sample sample(long time, int started, int readyCount, long footprintMiB, long poolMiB,
            long ksmGainMiB, int guestsForCache, double ksmdCpu) {
        long mapped = poolMiB > 0 && started > 0 ? 150 : 0;
        long pss = footprintMiB - (poolMiB - mapped);
        return new Sample(time, started, readyCount, pss * MIB, mapped * MIB,
                IDLE_HOST_USED + footprintMiB * MIB + guestsForCache * PAGE_CACHE_PER_GUEST,
                poolMiB * MIB, ksmGainMiB * MIB / 4096, IDLE_KSM_PROFIT + ksmGainMiB * MIB, (time - T0) / 4000, ksmdCpu,
                poolMiB > 0 ? started : 0, mapped * MIB * Math.max(1, started));
    }
}
