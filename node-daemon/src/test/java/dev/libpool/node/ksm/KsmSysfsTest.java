package dev.libpool.node.ksm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static dev.libpool.node.ksm.KsmFixture.contents;
import static dev.libpool.node.ksm.KsmFixture.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KsmSysfsTest {
    @TempDir
    Path tmp;

    @Test
    void readsEveryCounterAndTheAdvisorModeOfANewKernel() throws IOException {
        KsmReading reading = new KsmSysfs(KsmFixture.copy("kernel-6.18", tmp), 4096).read();
        assertThat(reading.counters()).containsEntry("run", 0L).containsEntry("pages_to_scan", 100L)
                .containsEntry("sleep_millisecs", 20L).containsEntry("full_scans", 12L).containsEntry("ksm_zero_pages", 7L)
                .containsEntry("general_profit", 8_388_608L).containsEntry("advisor_max_cpu", 70L)
                .containsEntry("pages_unshared", 40L).containsEntry("pages_volatile", 2L).doesNotContainKey("advisor_mode");
        assertThat(reading.advisorMode()).isEqualTo("none");
        assertThat(reading.has(KsmKnob.ADVISOR_MODE)).isTrue();
        assertThat(reading.profitBytes()).isEqualTo(8_388_608L);
        assertThat(reading.forReport()).containsEntry("advisor_mode_scan_time", 0L).containsEntry("run", 0L);
    }

    @Test
    void estimatesProfitOnAKernelWithoutGeneralProfitOrAdvisor() throws IOException {
        KsmReading reading = new KsmSysfs(KsmFixture.copy("kernel-5.15", tmp), 4096).read();
        assertThat(reading.advisorMode()).isNull();
        assertThat(reading.has(KsmKnob.ADVISOR_MODE)).isFalse();
        assertThat(reading.has(KsmKnob.ADVISOR_MAX_CPU)).isFalse();
        assertThat(reading.forReport()).doesNotContainKeys("advisor_mode_scan_time", "general_profit");
        // 1000 sharing x 4096 - (1000 + 100 + 50 + 10) rmap items x 64
        assertThat(reading.profitBytes()).isEqualTo(1000L * 4096 - 1160L * 64);
    }

    @Test
    void parsesTheSelectedChoice() {
        assertThat(KsmSysfs.selectedChoice("none [scan-time]")).isEqualTo("scan-time");
        assertThat(KsmSysfs.selectedChoice("[none] scan-time")).isEqualTo("none");
        assertThat(KsmSysfs.selectedChoice("scan-time")).isEqualTo("scan-time");
    }

    @Test
    void appliesAndReadsBack() throws Exception {
        Path dir = KsmFixture.copy("kernel-6.18", tmp);
        new KsmSysfs(dir, 4096).apply(KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 50)
                .with(KsmKnob.PAGES_TO_SCAN, 1000).with(KsmKnob.ADVISOR_MODE, "scan-time").with(KsmKnob.RUN, 1));
        assertThat(read(dir, "sleep_millisecs")).isEqualTo("50");
        assertThat(read(dir, "pages_to_scan")).isEqualTo("1000");
        assertThat(read(dir, "run")).isEqualTo("1");
        assertThat(new KsmSysfs(dir, 4096).read().advisorMode()).isEqualTo("scan-time");
    }

    @Test
    void anOutOfRangeValueWritesNothing() {
        Path dir = KsmFixture.copy("kernel-6.18", tmp);
        Map<String, String> before = contents(dir);
        assertThatThrownBy(() -> new KsmSysfs(dir, 4096).apply(KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 20)
                .with(KsmKnob.PAGES_TO_SCAN, 200_000).with(KsmKnob.RUN, 1)))
                .isInstanceOfSatisfying(KsmWriteException.class,
                        e -> assertThat(e.reason()).isEqualTo(KsmWriteException.Reason.OUT_OF_RANGE))
                .hasMessageContaining("pages_to_scan=200000 is out of range");
        assertThat(contents(dir)).isEqualTo(before);
    }

    @Test
    void aKnobTheKernelLacksWritesNothing() {
        Path dir = KsmFixture.copy("kernel-5.15", tmp);
        Map<String, String> before = contents(dir);
        assertThatThrownBy(() -> new KsmSysfs(dir, 4096).apply(KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 50)
                .with(KsmKnob.ADVISOR_MAX_CPU, 20).with(KsmKnob.ADVISOR_MODE, "scan-time")))
                .isInstanceOfSatisfying(KsmWriteException.class,
                        e -> assertThat(e.reason()).isEqualTo(KsmWriteException.Reason.KNOB_MISSING))
                .hasMessageContaining("advisor_m").hasMessageContaining("Linux 6.7+");
        assertThat(contents(dir)).isEqualTo(before);
        assertThat(Files.exists(dir.resolve("advisor_mode"))).isFalse();
    }

    @Test
    void aReadOnlyKnobWritesNothing() throws IOException {
        Path dir = KsmFixture.copy("kernel-6.18", tmp);
        Files.setPosixFilePermissions(dir.resolve("run"), PosixFilePermissions.fromString("r--r--r--"));
        Map<String, String> before = contents(dir);
        assertThatThrownBy(() -> new KsmSysfs(dir, 4096).apply(KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 50)
                .with(KsmKnob.PAGES_TO_SCAN, 1000).with(KsmKnob.RUN, 1)))
                .isInstanceOfSatisfying(KsmWriteException.class,
                        e -> assertThat(e.reason()).isEqualTo(KsmWriteException.Reason.READ_ONLY))
                .hasMessageContaining("run is read-only (mode r--r--r--)");
        assertThat(contents(dir)).isEqualTo(before);
    }

    @Test
    void mergeAcrossNodesWhilePagesAreMergedWritesNothing() {
        Path dir = KsmFixture.copy("kernel-5.15", tmp); // pages_shared=100
        Map<String, String> before = contents(dir);
        assertThatThrownBy(() -> new KsmSysfs(dir, 4096).apply(KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 50)
                .with(KsmKnob.MERGE_ACROSS_NODES, 0)))
                .isInstanceOfSatisfying(KsmWriteException.class,
                        e -> assertThat(e.reason()).isEqualTo(KsmWriteException.Reason.BUSY))
                .hasMessageContaining("merge_across_nodes can only change while no page is merged (pages_shared=100)")
                .hasMessageContaining("writing 2 to");
        assertThat(contents(dir)).isEqualTo(before);
    }

    @Test
    void anUnchangedMergeAcrossNodesIsNoProblemWhilePagesAreMerged() throws Exception {
        Path dir = KsmFixture.copy("kernel-5.15", tmp);
        new KsmSysfs(dir, 4096).apply(KsmSettings.none().with(KsmKnob.MERGE_ACROSS_NODES, 1).with(KsmKnob.SLEEP_MILLISECS, 30));
        assertThat(read(dir, "sleep_millisecs")).isEqualTo("30");
    }

    @Test
    void noKsmAtAllIsAMissingKnob() {
        assertThat(new KsmSysfs(tmp.resolve("nothing"), 4096).available()).isFalse();
        assertThatThrownBy(() -> new KsmSysfs(tmp.resolve("nothing"), 4096).apply(KsmSettings.none().with(KsmKnob.RUN, 1)))
                .isInstanceOfSatisfying(KsmWriteException.class,
                        e -> assertThat(e.reason()).isEqualTo(KsmWriteException.Reason.KNOB_MISSING))
                .hasMessageContaining("no KSM at");
    }
}
