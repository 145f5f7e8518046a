package dev.libpool.node.report;

import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The report is written when something changed or a figure moved enough, not on every pass. */
class ReportThrottleTest {

    private final Instant t0 = Instant.parse("2026-11-29T20:00:00Z");

    @Test
    void aPassThatOnlyMovesFiguresSlightlyWritesNothing() {
        ReportThrottle throttle = new ReportThrottle();
        NodePoolReportStatus first = PrometheusExporterTest.sample();
        assertThat(throttle.shouldWrite(first, t0)).as("the first report").isTrue();
        throttle.written(first, t0);

        NodePoolReportStatus next = PrometheusExporterTest.sample();
        next.setUpdateTime("2026-11-29T20:01:00Z");
        pool(next).setResidentBytes(pool(next).getResidentBytes() + (512 << 10)); // +0.5 MiB of 200 MiB
        next.getKsm().setKsmdCpuSeconds(23.0); // 22.5 -> 23.0: 2%
        assertThat(throttle.shouldWrite(next, t0.plusSeconds(60))).isFalse();
    }

    @Test
    void aFigureMovingMoreThanItsThresholdOrAnyOtherChangeWrites() {
        ReportThrottle throttle = new ReportThrottle();
        throttle.written(PrometheusExporterTest.sample(), t0);

        NodePoolReportStatus saved = PrometheusExporterTest.sample();
        pool(saved).setSavedBytes(pool(saved).getSavedBytes() + (40L << 20)); // 600 -> 640 MiB: 6%
        assertThat(throttle.shouldWrite(saved, t0.plusSeconds(60))).isTrue();

        NodePoolReportStatus mappers = PrometheusExporterTest.sample();
        pool(mappers).setMappers(5);
        assertThat(throttle.shouldWrite(mappers, t0.plusSeconds(60))).as("a count is exact").isTrue();

        NodePoolReportStatus failed = PrometheusExporterTest.sample();
        pool(failed).setState(NodePoolState.State.Failed);
        assertThat(throttle.shouldWrite(failed, t0.plusSeconds(60))).isTrue();

        NodePoolReportStatus knob = PrometheusExporterTest.sample();
        knob.getKsm().getSysfs().put("run", 0L); // 1 -> 0
        assertThat(throttle.shouldWrite(knob, t0.plusSeconds(60))).isTrue();
    }

    @Test
    void anUnchangedReportIsWrittenAgainAfterTheHeartbeat() {
        ReportThrottle throttle = new ReportThrottle();
        throttle.written(PrometheusExporterTest.sample(), t0);
        assertThat(throttle.shouldWrite(PrometheusExporterTest.sample(), t0.plus(ReportThrottle.HEARTBEAT))).isFalse();
        assertThat(throttle.shouldWrite(PrometheusExporterTest.sample(), t0.plus(ReportThrottle.HEARTBEAT).plus(Duration.ofSeconds(1)))).isTrue();
    }

    private static NodePoolState pool(NodePoolReportStatus status) {
        return status.getPools().get(0);
    }
}
