package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DemoPlanTest {

    @Test
    void saysWhatItWillDoOnWhichAcceleratorAndWhy() {
        String plan = DemoPlan.describe(DemoOptions.parse(), SyntheticRuns.MACHINE, true);
        assertThat(plan).contains("AMD EPYC (synthetic), 2 cores", "accelerator: TCG - /dev/kvm cannot boot stock kernels",
                "4 guest(s) of 512 MiB", "crossovers beyond 4 guests are extrapolated", "1. own disk (baseline)", "8. pool (hugetlbfs)", "pool on hugetlbfs", "second boot",
                "KSM cannot merge it", "1000 pages every 20 ms", "restored at the end, also on Ctrl-C",
                "demo-report/ (index.html)");
    }

    @Test
    void benchWritesNoReport() {
        assertThat(DemoPlan.describe(DemoOptions.parse("--bench"), SyntheticRuns.MACHINE, true))
                .startsWith("libpool bench guests").contains("output: the tables below\n");
    }

    @Test
    void theDefaultsFitHalfAnHourAndQuickSixMinutes() {
        assertThat(DemoPlan.estimateSeconds(DemoOptions.parse().settings(), true)).isLessThanOrEqualTo(30 * 60);
        assertThat(DemoPlan.estimateSeconds(DemoOptions.parse("--quick").settings(), true)).isLessThanOrEqualTo(6 * 60);
        assertThat(DemoPlan.estimateSeconds(DemoOptions.parse().settings(), false))
                .isEqualTo(DemoPlan.estimateSeconds(DemoOptions.parse().settings(), true) + DemoPlan.FIRST_RUN_SECONDS);
    }
}
