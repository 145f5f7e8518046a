package dev.libpool.node.ksm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KsmProcessesTest {
    @TempDir
    Path tmp;

    @Test
    void findsKsmdAndItsCpuSeconds() {
        KsmProcesses processes = new KsmProcesses(KsmFixture.copy("proc", tmp));
        assertThat(processes.ksmdPid()).hasValue(36);
        // utime 1234 + stime 566 ticks at 100 Hz
        assertThat(processes.ksmdCpuSeconds()).hasValue(18.0);
    }

    @Test
    void noKsmdMeansNoCpuFigure() {
        Path proc = KsmFixture.copy("proc", tmp);
        KsmFixture.write(proc, "36/comm", "kthreadd");
        assertThat(new KsmProcesses(proc).ksmdCpuSeconds()).isEmpty();
    }

    @Test
    void cpuSecondsSurviveACommWithSpacesAndParentheses() {
        assertThat(KsmProcesses.cpuSeconds("77 (bash (x) y) S 1 77 77 0 -1 0 0 0 0 0 250 50 0 0 20 0 1 0 3"))
                .isEqualTo(3.0);
    }

    @Test
    void detectsAHostKsmtuned() {
        Path proc = KsmFixture.copy("proc", tmp);
        assertThat(new KsmProcesses(proc).ksmtunedRunning()).isFalse();
        KsmFixture.write(proc, "1/comm", "ksmtuned");
        assertThat(new KsmProcesses(proc).ksmtunedRunning()).isTrue();
    }

    @Test
    void readsTheKsmStatOfQemuProcessesThatHaveOne() {
        KsmProcesses processes = new KsmProcesses(KsmFixture.copy("proc", tmp));
        assertThat(processes.qemuPids()).containsExactly(4242, 4243);
        List<ProcessKsmStat> stats = processes.ksmStats(processes.qemuPids());
        assertThat(stats).hasSize(1);
        assertThat(stats.get(0).pid()).isEqualTo(4242);
        assertThat(stats.get(0).comm()).isEqualTo("qemu-system-x86");
        assertThat(stats.get(0).values()).containsEntry("ksm_rmap_items", 2048L).containsEntry("ksm_merging_pages", 1500L)
                .doesNotContainKeys("ksm_merge_any:", "ksm_mergeable:");
        assertThat(stats.get(0).profitBytes()).isEqualTo(6_012_928L);
        assertThat(processes.ksmStats(List.of(99999))).isEmpty();
    }
}
