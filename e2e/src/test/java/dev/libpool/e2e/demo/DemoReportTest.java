package dev.libpool.e2e.demo;

import static dev.libpool.e2e.demo.SyntheticRuns.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class DemoReportTest {

    private final DemoReport report = new DemoReport(SyntheticRuns.full());

    private ModeSummary summary(Mode mode) {
        return report.summary(mode).orElseThrow();
    }

    @Test
    void perExtraGuestCostIsTheSlopeOfTheFootprint() {
        assertThat(summary(Mode.OWN_DISK).perGuestFootprintBytes()).isCloseTo(400.0 * MIB, within(1.0));
        assertThat(summary(Mode.POOL).perGuestFootprintBytes()).isCloseTo(200.0 * MIB, within(1.0));
        assertThat(summary(Mode.OWN_DISK_KSM).perGuestFootprintBytes()).isCloseTo(350.0 * MIB, within(1.0));
        assertThat(summary(Mode.POOL_KSM).perGuestFootprintBytes()).isCloseTo(190.0 * MIB, within(1.0));
        assertThat(summary(Mode.OWN_DISK).perGuestHostUsedBytes()).isCloseTo(420.0 * MIB, within(1.0));
    }

    @Test
    void rowsTakeTheLastSettledSampleOfEachGuestCountAndIgnoreBootingGuests() {
        List<GuestRow> rows = summary(Mode.OWN_DISK).rows();
        assertThat(rows).extracting(GuestRow::guests).containsExactly(0, 1, 2, 3);
        assertThat(rows).extracting(GuestRow::footprintBytes).containsExactly(0L, 400 * MIB, 800 * MIB, 1200 * MIB);
        assertThat(rows.get(3).hostUsedDeltaBytes()).isEqualTo(1260 * MIB);
    }

    @Test
    void poolFootprintCountsThePoolPagesNoGuestMaps() {
        GuestRow idle = summary(Mode.POOL).row(0).orElseThrow();
        GuestRow three = summary(Mode.POOL).row(3).orElseThrow();
        assertThat(idle.footprintBytes()).isEqualTo(200 * MIB);
        assertThat(three.qemuPssBytes()).isEqualTo(750 * MIB);
        assertThat(three.footprintBytes()).isEqualTo(800 * MIB);
        assertThat(three.poolResidentBytes()).isEqualTo(200 * MIB);
    }

    @Test
    void savingIsAgainstTheOwnDiskBaselineAtTheSameGuestCount() {
        GuestRow pool = summary(Mode.POOL).row(3).orElseThrow();
        assertThat(pool.savedBytes()).hasValue(400 * MIB);
        assertThat(pool.savedShare()).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(summary(Mode.POOL).row(0).orElseThrow().savedBytes()).hasValue(-200 * MIB);
        assertThat(summary(Mode.OWN_DISK_KSM).row(3).orElseThrow().savedBytes()).hasValue(150 * MIB);
        assertThat(summary(Mode.OWN_DISK).row(3).orElseThrow().savedBytes()).isEmpty();
    }

    @Test
    void ksmSavingTakesTheTimeToReachNinetyPercentOfItsGainWhileThePoolSavesAtAttach() {
        for (int k = 1; k <= 3; k++) {
            GuestRow ksm = summary(Mode.OWN_DISK_KSM).row(k).orElseThrow();
            assertThat(ksm.readyToSaving().ksmSeconds()).hasValue(9.0);
        }
        assertThat(summary(Mode.OWN_DISK_KSM).row(3).orElseThrow().readyToSaving().format()).isEqualTo("KSM 9.0 s");
        assertThat(summary(Mode.POOL).row(3).orElseThrow().readyToSaving().format()).isEqualTo("0 s (attach)");
        assertThat(summary(Mode.POOL_KSM).row(2).orElseThrow().readyToSaving().format()).isEqualTo("0 s + KSM 9.0 s");
        assertThat(summary(Mode.OWN_DISK).row(2).orElseThrow().readyToSaving().format()).isEqualTo("-");
    }

    @Test
    void ksmGainCountsWhatWasMergedWhileTheGuestBooted() {
        // Profit in MiB: 0 before the guest, 30 while it boots, then 33, 36, 40, 40 once it is ready (t = 10 s).
        List<Sample> samples = List.of(
                ksmSample(0, 0, 0, 0), ksmSample(5_000, 1, 0, 30), ksmSample(10_000, 1, 1, 33),
                ksmSample(11_000, 1, 1, 36), ksmSample(12_000, 1, 1, 40), ksmSample(13_000, 1, 1, 40));
        ModeRun run = new ModeRun(Mode.OWN_DISK_KSM, 1_000, List.of(10_000L), samples, null);
        // 90% of the 40 MiB gained since before the boot is 36 MiB, reached 1 s after ready.
        assertThat(DemoReport.ksmDelaySeconds(run, 1)).hasValue(1.0);
    }

    @Test
    void ksmThatConvergedBeforeReadyTakesNoTimeAfterIt() {
        List<Sample> samples = List.of(ksmSample(0, 0, 0, 0), ksmSample(5_000, 1, 0, 40), ksmSample(10_000, 1, 1, 40),
                ksmSample(11_000, 1, 1, 40));
        ModeRun run = new ModeRun(Mode.OWN_DISK_KSM, 1_000, List.of(10_000L), samples, null);
        assertThat(DemoReport.ksmDelaySeconds(run, 1)).hasValue(0.0);
    }

    private static Sample ksmSample(long time, int started, int ready, long profitMiB) {
        return new Sample(time, started, ready, 300 * MIB, 0, 0, 0, 0, profitMiB * MIB, 0, 0, 0, 0);
    }

    @Test
    void ksmThatMergesNothingHasNoSavingTime() {
        ModeRun flat = SyntheticRuns.mode(Mode.OWN_DISK_KSM, SyntheticRuns.T0, 2, 0, 400, 0, null);
        assertThat(DemoReport.ksmDelaySeconds(flat, 1)).isEmpty();
        assertThat(SavingDelay.of(Mode.OWN_DISK_KSM, java.util.OptionalDouble.empty(), DemoReport.ksmDelaySeconds(flat, 2)).format())
                .isEqualTo("KSM: none");
    }

    @Test
    void ksmdCpuAndKsmProfitAreDeltasFromBeforeTheFirstGuest() {
        GuestRow three = summary(Mode.OWN_DISK_KSM).row(3).orElseThrow();
        assertThat(three.ksmdCpuSeconds()).isCloseTo(16.5, within(1e-9));
        assertThat(three.ksmProfitDeltaBytes()).isEqualTo(150 * MIB);
        assertThat(summary(Mode.POOL).row(3).orElseThrow().ksmdCpuSeconds()).isZero();
    }

    @Test
    void savingOverTimeShowsThePoolImmediatelyAndKsmRising() {
        List<DemoReport.TimedSaving> pool = report.savingOverTime(Mode.POOL);
        List<DemoReport.TimedSaving> ksm = report.savingOverTime(Mode.OWN_DISK_KSM);
        // Guest 1 ready 5 s after the start: the pool already saves its steady 0 (one guest: 400 vs 400) ...
        assertThat(pool.get(0).seconds()).isEqualTo(5.0);
        assertThat(pool).extracting(DemoReport.TimedSaving::savedBytes).contains(400 * MIB);
        // ... KSM starts at 0 after each guest and climbs to its final saving.
        assertThat(ksm.get(0).savedBytes()).isEqualTo(0L);
        assertThat(ksm.get(ksm.size() - 1).savedBytes()).isEqualTo(150 * MIB);
        assertThat(report.savingOverTime(Mode.OWN_DISK)).isEmpty();
    }

    @Test
    void aModeThatStoppedEarlyKeepsWhatItMeasuredAndItsError() {
        ModeRun partial = SyntheticRuns.mode(Mode.POOL, SyntheticRuns.T0, 1, 200, 200, 0, "guest 2 did not boot");
        DemoRecord record = new DemoRecord(SyntheticRuns.MACHINE, new DemoSettings(3, 512, "libs", Mode.QUICK),
                SyntheticRuns.T0, List.of(partial));
        ModeSummary summary = new DemoReport(record).summary(Mode.POOL).orElseThrow();
        assertThat(summary.rows()).extracting(GuestRow::guests).containsExactly(0, 1);
        assertThat(summary.perGuestFootprintBytes()).isNaN();
        assertThat(summary.error()).isEqualTo("guest 2 did not boot");
        assertThat(summary.row(1).orElseThrow().savedBytes()).isEmpty();
    }

    @Test
    void aModeWithoutSamplesHasNoRows() {
        DemoRecord record = new DemoRecord(SyntheticRuns.MACHINE, new DemoSettings(3, 512, "libs", Mode.QUICK),
                SyntheticRuns.T0, List.of(new ModeRun(Mode.OWN_DISK, SyntheticRuns.T0, List.of(), List.of(), "no QEMU")));
        assertThat(new DemoReport(record).summary(Mode.OWN_DISK).orElseThrow().rows()).isEmpty();
    }
}
