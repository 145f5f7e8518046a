package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmAdaptiveSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AdaptiveLoopTest {
    private static final KsmAdaptiveSpec DEFAULTS = new KsmAdaptiveSpec();
    /** 16 GiB node, 10% available: pressure (<= 20%). */
    private static final MemInfo PRESSURE = new MemInfo(16L * 1024 * 1024, 16L * 1024 * 1024 / 10);
    /** 16 GiB node, 50% available: no pressure. */
    private static final MemInfo IDLE = new MemInfo(16L * 1024 * 1024, 8L * 1024 * 1024);

    @Test
    void pressureStartsKsmdAtTheStartValue() {
        AdaptiveLoop.Step step = AdaptiveLoop.next(DEFAULTS, null, PRESSURE, AdaptiveLoop.State.STOPPED);
        assertThat(step.pressure()).isTrue();
        assertThat(step.next()).isEqualTo(new AdaptiveLoop.State(true, 100));
        // used = 90% of 16 GiB: 100 ms x 16 GiB / 14.4 GiB = 111 ms
        assertThat(step.settings().toString()).isEqualTo("sleep_millisecs=111, pages_to_scan=100, run=1");
    }

    @Test
    void theStartValueComesFromTheSpecWithinMinAndMax() {
        assertThat(AdaptiveLoop.next(DEFAULTS, 700, PRESSURE, AdaptiveLoop.State.STOPPED).next().pagesToScan()).isEqualTo(700);
        assertThat(AdaptiveLoop.next(DEFAULTS, 5000, PRESSURE, AdaptiveLoop.State.STOPPED).next().pagesToScan()).isEqualTo(1250);
        assertThat(AdaptiveLoop.next(DEFAULTS, 10, PRESSURE, AdaptiveLoop.State.STOPPED).next().pagesToScan()).isEqualTo(64);
    }

    @Test
    void pressureBoostsARunningKsmdUpToMax() {
        assertThat(AdaptiveLoop.next(DEFAULTS, null, PRESSURE, new AdaptiveLoop.State(true, 100)).next())
                .isEqualTo(new AdaptiveLoop.State(true, 400));
        assertThat(AdaptiveLoop.next(DEFAULTS, null, PRESSURE, new AdaptiveLoop.State(true, 1100)).next())
                .isEqualTo(new AdaptiveLoop.State(true, 1250));
    }

    @Test
    void noPressureDecaysARunningKsmd() {
        AdaptiveLoop.Step step = AdaptiveLoop.next(DEFAULTS, null, IDLE, new AdaptiveLoop.State(true, 400));
        assertThat(step.pressure()).isFalse();
        assertThat(step.next()).isEqualTo(new AdaptiveLoop.State(true, 350));
        assertThat(step.settings().get(KsmKnob.RUN)).isEqualTo("1");
    }

    @Test
    void noPressureStopsKsmdBelowMin() {
        AdaptiveLoop.Step step = AdaptiveLoop.next(DEFAULTS, null, IDLE, new AdaptiveLoop.State(true, 100));
        assertThat(step.next()).isEqualTo(AdaptiveLoop.State.STOPPED);
        assertThat(step.settings().toString()).isEqualTo("run=0");
    }

    @Test
    void noPressureKeepsAStoppedKsmdStopped() {
        AdaptiveLoop.Step step = AdaptiveLoop.next(DEFAULTS, null, IDLE, AdaptiveLoop.State.STOPPED);
        assertThat(step.next()).isEqualTo(AdaptiveLoop.State.STOPPED);
        assertThat(step.settings().toString()).isEqualTo("run=0");
    }

    @Test
    void pressureThresholdIsInclusiveAndConfigurable() {
        MemInfo exactly20 = new MemInfo(1000, 200);
        assertThat(AdaptiveLoop.next(DEFAULTS, null, exactly20, AdaptiveLoop.State.STOPPED).pressure()).isTrue();
        KsmAdaptiveSpec tenPercent = new KsmAdaptiveSpec();
        tenPercent.setFreePercent(10);
        assertThat(AdaptiveLoop.next(tenPercent, null, exactly20, AdaptiveLoop.State.STOPPED).pressure()).isFalse();
    }

    @Test
    void sleepScalesWithUsedMemoryWithinFloorAndCap() {
        // 160 GiB used: 100 x 16 / 160 = 10 ms, the floor
        assertThat(AdaptiveLoop.sleepMillisecs(DEFAULTS, new MemInfo(200L << 20, 40L << 20))).isEqualTo(10);
        // 1 TiB used would give 1.56 ms: floored to 10
        assertThat(AdaptiveLoop.sleepMillisecs(DEFAULTS, new MemInfo(1100L << 20, 76L << 20))).isEqualTo(10);
        // 8 GiB used: 200 ms
        assertThat(AdaptiveLoop.sleepMillisecs(DEFAULTS, new MemInfo(16L << 20, 8L << 20))).isEqualTo(200);
        // nothing used: capped, never a division by zero
        assertThat(AdaptiveLoop.sleepMillisecs(DEFAULTS, new MemInfo(1000, 1000))).isEqualTo(60_000);
        KsmAdaptiveSpec floor50 = new KsmAdaptiveSpec();
        floor50.setMinSleepMillisecs(50);
        assertThat(AdaptiveLoop.sleepMillisecs(floor50, new MemInfo(200L << 20, 40L << 20))).isEqualTo(50);
    }

    @Test
    void boostAndDecayAreConfigurable() {
        KsmAdaptiveSpec spec = new KsmAdaptiveSpec();
        spec.setBoostPages(10);
        spec.setDecayPages(7);
        assertThat(AdaptiveLoop.next(spec, null, PRESSURE, new AdaptiveLoop.State(true, 100)).next().pagesToScan()).isEqualTo(110);
        assertThat(AdaptiveLoop.next(spec, null, IDLE, new AdaptiveLoop.State(true, 100)).next().pagesToScan()).isEqualTo(93);
    }
}
