package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmAdvisorSpec;
import dev.libpool.api.v1alpha1.KsmSpec;
import dev.libpool.api.v1alpha1.NodeKsmState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Applies policies to this host's real /sys/kernel/mm/ksm and restores the original values exactly, also when
 * a test fails midway (the AfterEach restores and asserts). Needs root and a writable KSM sysfs.
 */
class KsmSysfsIT {
    private static final Path REAL_KSM = KsmPaths.LOCAL_SYSFS_KSM;

    @TempDir
    Path tmp;

    private KsmController controller;
    private KsmSysfs sysfs;
    private Map<String, String> before;

    @BeforeEach
    void snapshot() throws IOException {
        assume("root".equals(System.getProperty("user.name")), "not running as root");
        assume(Files.isRegularFile(REAL_KSM.resolve("run")), "this kernel has no " + REAL_KSM);
        assume(!Files.getFileStore(REAL_KSM.resolve("run")).isReadOnly(), REAL_KSM + " is mounted read-only");
        controller = new KsmController(new KsmPaths(REAL_KSM, Path.of("/proc"), Path.of("/proc/meminfo"),
                tmp.resolve("state/ksm-original.json"), KsmPaths.PAGE_SIZE_BYTES));
        sysfs = new KsmSysfs(REAL_KSM, KsmPaths.PAGE_SIZE_BYTES);
        before = writableFiles();
    }

    private static void assume(boolean condition, String reason) {
        if (!condition) {
            System.out.println("KsmSysfsIT skipped: " + reason);
        }
        assumeTrue(condition, reason);
    }

    @AfterEach
    void restoreExactly() throws Exception {
        if (before == null) {
            return;
        }
        NodeKsmState restored = controller.restoreOriginals();
        assertThat(restored.getState()).as(restored.getMessage()).isEqualTo("Unmanaged");
        assertThat(writableFiles()).isEqualTo(before);
        assertThat(Files.exists(tmp.resolve("state/ksm-original.json"))).isFalse();
    }

    /** Every file of the KSM directory the kernel lets root write, with its raw content. */
    private static Map<String, String> writableFiles() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> list = Files.list(REAL_KSM)) {
            for (Path p : (Iterable<Path>) list::iterator) {
                if (Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_WRITE)) {
                    files.put(p.getFileName().toString(), Files.readString(p).trim());
                }
            }
        }
        return files;
    }

    private static String real(String file) throws IOException {
        return Files.readString(REAL_KSM.resolve(file)).trim();
    }

    @Test
    void staticIsAppliedReadBackAndMeasured() throws IOException {
        NodeKsmState state = controller.applyStatic(1000, 20, "KsmSysfsIT");
        assertThat(state.getState()).as(state.getMessage()).isEqualTo("Managed");
        assertThat(real("pages_to_scan")).isEqualTo("1000");
        assertThat(real("sleep_millisecs")).isEqualTo("20");
        assertThat(real("run")).isEqualTo("1");
        assertThat(state.getSysfs()).containsEntry("pages_to_scan", 1000L).containsKey("general_profit");
        assertThat(state.getKsmdCpuSeconds()).isNotNull().isGreaterThanOrEqualTo(0.0);
        KsmMeasurement measurement = controller.measure();
        assertThat(measurement.ksmdCpuSeconds()).isPresent();
        System.out.printf("KsmSysfsIT: ksmd %.2f CPU s, profit %d bytes, %d QEMU processes%n",
                measurement.ksmdCpuSeconds().get(), measurement.profitBytes(), measurement.qemuProcesses().size());
    }

    @Test
    void advisorIsAppliedThroughAPoolAndReadBack() throws IOException {
        assume(Files.exists(REAL_KSM.resolve("advisor_mode")), "this kernel has no advisor_mode (Linux < 6.7)");
        KsmSpec spec = KsmFixture.policy(KsmSpec.KsmPolicy.Advisor);
        KsmAdvisorSpec advisor = new KsmAdvisorSpec();
        advisor.setTargetScanTimeSeconds(60);
        advisor.setMaxCpuPercent(20);
        advisor.setMinPagesToScan(600);
        advisor.setMaxPagesToScan(10_000);
        spec.setAdvisor(advisor);
        NodeKsmState state = controller.reconcile(List.of(KsmFixture.pool("it", "2026-01-01T00:00:00Z", spec)),
                Map.of(), Map.of(), false);
        assertThat(state.getState()).as(state.getMessage()).isEqualTo("Managed");
        assertThat(real("advisor_mode")).isEqualTo("none [scan-time]");
        assertThat(real("advisor_target_scan_time")).isEqualTo("60");
        assertThat(real("advisor_max_cpu")).isEqualTo("20");
        assertThat(real("advisor_max_pages_to_scan")).isEqualTo("10000");
        // entering scan-time mode starts pages_to_scan at advisor_min_pages_to_scan
        assertThat(real("pages_to_scan")).isEqualTo("600");
        assertThat(real("run")).isEqualTo("1");
        assertThat(state.getSysfs()).containsEntry("advisor_mode_scan_time", 1L);
    }

    @Test
    void aKnobTheKernelRefusesMidwayIsRolledBack() throws Exception {
        assume(Files.exists(REAL_KSM.resolve("advisor_mode")), "this kernel has no advisor_mode (Linux < 6.7)");
        // Someone else switches the advisor on (saved first by the controller, so AfterEach restores it).
        assertThat(controller.apply(KsmFixture.policy(KsmSpec.KsmPolicy.Advisor), "someone-else").getState())
                .isEqualTo("Managed");
        String sleep = real("sleep_millisecs");
        String newSleep = "20".equals(sleep) ? "33" : "20";
        // sleep_millisecs is written first, then the kernel refuses pages_to_scan (EINVAL in scan-time mode).
        assertThatThrownBy(() -> sysfs.write(KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, newSleep)
                .with(KsmKnob.PAGES_TO_SCAN, "1000")))
                .isInstanceOfSatisfying(KsmWriteException.class,
                        e -> assertThat(e.reason()).isEqualTo(KsmWriteException.Reason.KERNEL_REFUSED))
                .hasMessageContaining("Invalid argument").hasMessageContaining("rolled back sleep_millisecs=" + sleep);
        assertThat(real("sleep_millisecs")).isEqualTo(sleep);
    }

    @Test
    void aReadOnlyMountOfTheRealSysfsIsAClearFailure() throws Exception {
        Path mountPoint = Files.createDirectories(tmp.resolve("ro-ksm"));
        int bound = new ProcessBuilder("mount", "--bind", "-o", "ro", REAL_KSM.toString(), mountPoint.toString())
                .inheritIO().start().waitFor();
        assume(bound == 0, "cannot bind-mount " + REAL_KSM + " read-only here");
        try {
            int remount = new ProcessBuilder("mount", "-o", "remount,ro,bind", mountPoint.toString())
                    .inheritIO().start().waitFor();
            assertThat(remount).isZero();
            assertThatThrownBy(() -> new KsmSysfs(mountPoint, 4096).apply(KsmSettings.none()
                    .with(KsmKnob.SLEEP_MILLISECS, 33).with(KsmKnob.PAGES_TO_SCAN, 1000).with(KsmKnob.RUN, 1)))
                    .isInstanceOfSatisfying(KsmWriteException.class,
                            e -> assertThat(e.reason()).isEqualTo(KsmWriteException.Reason.READ_ONLY))
                    .hasMessageContaining("read-only");
            assertThat(writableFiles()).isEqualTo(before);
        } finally {
            new ProcessBuilder("umount", mountPoint.toString()).inheritIO().start().waitFor();
        }
    }
}
