package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReportChartsTest {

    private final DemoReport report = new DemoReport(SyntheticRuns.full());

    @Test
    void memoryChartHasOneLineOfGuestCountsPerMode() {
        LineChart chart = ReportCharts.footprintVsGuests(report);
        assertThat(chart.series()).extracting(LineChart.Series::name)
                .containsExactlyElementsOf(Mode.ALL.stream().map(Mode::label).toList());
        LineChart.Series pool = chart.series().get(Mode.ALL.indexOf(Mode.POOL));
        assertThat(pool.points()).containsExactly(new LineChart.Point(0, 200), new LineChart.Point(1, 400),
                new LineChart.Point(2, 600), new LineChart.Point(3, 800));
    }

    @Test
    void savingChartLeavesOutTheBaselineAndBreaksWhileGuestsBoot() {
        LineChart chart = ReportCharts.savingOverTime(report);
        assertThat(chart.series()).extracting(LineChart.Series::name).doesNotContain(Mode.OWN_DISK.label());
        List<LineChart.Point> ksm = chart.series().stream()
                .filter(s -> s.name().equals(Mode.OWN_DISK_KSM.label())).findFirst().orElseThrow().points();
        assertThat(ksm).filteredOn(p -> p == LineChart.Point.BREAK).hasSize(2);
        assertThat(ksm.get(ksm.size() - 1).y()).isEqualTo(150.0);
    }

    @Test
    void sharedMemfdModesAreDashedSoTheyStandApartFromTheirTwins() {
        assertThat(ReportCharts.footprintVsGuests(report).series())
                .filteredOn(LineChart.Series::dashed).extracting(LineChart.Series::name)
                .containsExactly(Mode.MEMFD.label(), Mode.MEMFD_POOL.label());
    }
}
