package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmAdaptiveSpec;
import dev.libpool.api.v1alpha1.KsmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdaptiveScheduleTest {
    @TempDir
    Path tmp;

    private AdaptiveSchedule schedule() throws IOException {
        Path meminfo = tmp.resolve("meminfo");
        Files.writeString(meminfo, "MemTotal: 1000 kB\nMemAvailable: 100 kB\n");
        return new AdaptiveSchedule(meminfo, Clock.fixed(Instant.parse("2026-11-26T07:00:00Z"), ZoneOffset.UTC));
    }

    private static KsmSpec adaptive(int intervalSeconds) {
        KsmSpec spec = KsmFixture.policy(KsmSpec.KsmPolicy.Adaptive);
        KsmAdaptiveSpec loop = new KsmAdaptiveSpec();
        loop.setIntervalSeconds(intervalSeconds);
        spec.setAdaptive(loop);
        return spec;
    }

    @Test
    void anotherPoolStartsTheLoopAfresh() throws IOException {
        AdaptiveSchedule schedule = schedule();
        KsmSpec spec = adaptive(5);
        assertThat(schedule.settings(spec, "a").get(KsmKnob.PAGES_TO_SCAN)).isEqualTo("100");
        schedule.reset();
        assertThat(schedule.settings(spec, "a").get(KsmKnob.PAGES_TO_SCAN)).isEqualTo("100");
        // same pool, same instant: not due, the last step again (no boost)
        assertThat(schedule.settings(spec, "a").get(KsmKnob.PAGES_TO_SCAN)).isEqualTo("100");
        assertThat(schedule.settings(spec, "b").get(KsmKnob.PAGES_TO_SCAN)).isEqualTo("100");
    }

    @Test
    void anUnreadableMeminfoIsAnError() {
        AdaptiveSchedule schedule = new AdaptiveSchedule(tmp.resolve("missing"), Clock.systemUTC());
        assertThatThrownBy(() -> schedule.settings(adaptive(60), "a")).isInstanceOf(IOException.class);
    }
}
