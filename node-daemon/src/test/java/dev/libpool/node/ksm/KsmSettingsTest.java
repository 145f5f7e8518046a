package dev.libpool.node.ksm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KsmSettingsTest {
    private static List<String> order(KsmSettings settings) {
        return settings.inWriteOrder().stream().map(e -> e.getKey().fileName() + "=" + e.getValue()).toList();
    }

    @Test
    void startsKsmdLastAndSetsSleepBeforePages() {
        KsmSettings settings = KsmSettings.none().with(KsmKnob.RUN, 1).with(KsmKnob.USE_ZERO_PAGES, 1)
                .with(KsmKnob.PAGES_TO_SCAN, 1000).with(KsmKnob.SLEEP_MILLISECS, 20);
        assertThat(order(settings)).containsExactly("sleep_millisecs=20", "pages_to_scan=1000", "use_zero_pages=1", "run=1");
    }

    @Test
    void stopsKsmdFirst() {
        KsmSettings settings = KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 20).with(KsmKnob.RUN, 0);
        assertThat(order(settings)).containsExactly("run=0", "sleep_millisecs=20");
    }

    @Test
    void leavesTheAdvisorBeforePagesToScanAndEntersItAfterItsParameters() {
        KsmSettings leave = KsmSettings.none().with(KsmKnob.PAGES_TO_SCAN, 500).with(KsmKnob.ADVISOR_MODE, "none");
        assertThat(order(leave)).containsExactly("advisor_mode=none", "pages_to_scan=500");
        KsmSettings enter = KsmSettings.none().with(KsmKnob.RUN, 1).with(KsmKnob.ADVISOR_MODE, "scan-time")
                .with(KsmKnob.ADVISOR_MAX_CPU, 30);
        assertThat(order(enter)).containsExactly("advisor_max_cpu=30", "advisor_mode=scan-time", "run=1");
    }

    @Test
    void changedFromKeepsOnlyDifferencesButPagesToScanWhenTheAdvisorChanges(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        KsmReading current = new KsmReading(Map.of("pages_to_scan", 500L, "run", 1L, "sleep_millisecs", 20L), "scan-time", 4096);
        KsmSettings same = KsmSettings.none().with(KsmKnob.RUN, 1).with(KsmKnob.SLEEP_MILLISECS, 30);
        assertThat(same.changedFrom(current).values()).containsOnlyKeys(KsmKnob.SLEEP_MILLISECS);
        KsmSettings leave = KsmSettings.none().with(KsmKnob.ADVISOR_MODE, "none").with(KsmKnob.PAGES_TO_SCAN, 500);
        // pages_to_scan equals the current value, but leaving the advisor resets it to 100 in the kernel
        assertThat(leave.changedFrom(current).values()).containsOnlyKeys(KsmKnob.ADVISOR_MODE, KsmKnob.PAGES_TO_SCAN);
    }

    @Test
    void knobsRefuseValuesOutsideTheirRange() {
        assertThatThrownBy(() -> KsmKnob.PAGES_TO_SCAN.validate("0")).isInstanceOf(KsmWriteException.class)
                .hasMessageContaining("pages_to_scan=0 is out of range: use 1..100000");
        assertThatThrownBy(() -> KsmKnob.SLEEP_MILLISECS.validate("60001")).hasMessageContaining("1..60000");
        assertThatThrownBy(() -> KsmKnob.RUN.validate("3")).hasMessageContaining("run=3");
        assertThatThrownBy(() -> KsmKnob.MAX_PAGE_SHARING.validate("1")).hasMessageContaining("2..1048576");
        assertThatThrownBy(() -> KsmKnob.ADVISOR_MAX_CPU.validate("many")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> KsmKnob.ADVISOR_MODE.validate("fast")).hasMessageContaining("use none or scan-time");
    }

    @Test
    void knobsAcceptValuesInsideTheirRange() throws KsmWriteException {
        KsmKnob.PAGES_TO_SCAN.validate("100000");
        KsmKnob.RUN.validate("0");
        KsmKnob.ADVISOR_MODE.validate("scan-time");
        assertThat(KsmKnob.byFileName("advisor_max_cpu")).contains(KsmKnob.ADVISOR_MAX_CPU);
        assertThat(KsmKnob.byFileName("pages_shared")).isEmpty();
    }
}
