package dev.libpool.e2e.demo;

import static dev.libpool.e2e.demo.SyntheticRuns.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SettlingTest {

    private final Settling settling = new Settling(60_000);

    /** One sample per second: footprint MiB, KSM profit MiB and full scans from the arrays. */
    private static List<Sample> samples(long[] footprintMiB, long[] profitMiB, long[] fullScans) {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < footprintMiB.length; i++) {
            samples.add(new Sample(i * 1000L, 1, 1, footprintMiB[i] * MIB, 0, 0, 0, 0, profitMiB[i] * MIB,
                    fullScans[i], 0, 0, 0));
        }
        return samples;
    }

    private static List<Sample> flatKsm(long[] footprintMiB) {
        return samples(footprintMiB, new long[footprintMiB.length], new long[footprintMiB.length]);
    }

    @Test
    void withoutKsmAStableFootprintSettlesAfterThreeSamples() {
        assertThat(settling.settled(Mode.POOL, flatKsm(new long[] {400, 401}))).isNull();
        assertThat(settling.settled(Mode.POOL, flatKsm(new long[] {400, 401, 402}))).isEqualTo("memory stable");
    }

    @Test
    void withoutKsmAMovingFootprintIsWaitedForUntilTheCap() {
        long[] growing = {400, 420, 440, 460, 480, 500, 520, 540, 560, 580, 600, 620, 640};
        assertThat(settling.settled(Mode.OWN_DISK, flatKsm(java.util.Arrays.copyOf(growing, 5)))).isNull();
        assertThat(settling.settled(Mode.OWN_DISK, flatKsm(growing))).startsWith("memory still moving after 12 s");
    }

    @Test
    void ksmSettlesOnlyAfterAFullPassThatMergedNothing() {
        long[] footprint = {900, 900, 900, 900, 900, 900, 900};
        // ksmd passes end at samples 2 and 4 and 6; it merges 40 MiB during the second pass, nothing after.
        long[] profit = {0, 0, 0, 40, 40, 40, 40};
        long[] scans = {10, 10, 11, 11, 12, 12, 13};
        assertThat(settling.settled(Mode.OWN_DISK_KSM, samples(footprint, profit, scans).subList(0, 4))).isNull();
        assertThat(settling.settled(Mode.OWN_DISK_KSM, samples(footprint, profit, scans).subList(0, 5)))
                .as("the pass from 11 to 12 merged 40 MiB").isNull();
        assertThat(settling.settled(Mode.OWN_DISK_KSM, samples(footprint, profit, scans)))
                .startsWith("KSM converged");
    }

    @Test
    void ksmThatKeepsMergingIsWaitedForUntilTheCap() {
        int n = 62;
        long[] footprint = new long[n];
        long[] profit = new long[n];
        long[] scans = new long[n];
        for (int i = 0; i < n; i++) {
            footprint[i] = 900;
            profit[i] = 5L * i;
            scans[i] = i / 2;
        }
        assertThat(settling.settled(Mode.POOL_KSM, samples(footprint, profit, scans).subList(0, 30))).isNull();
        assertThat(settling.settled(Mode.POOL_KSM, samples(footprint, profit, scans)))
                .startsWith("KSM still merging after 61 s");
    }
}
