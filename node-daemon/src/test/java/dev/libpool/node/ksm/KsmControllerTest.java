package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmSpec;
import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static dev.libpool.node.ksm.KsmFixture.contents;
import static dev.libpool.node.ksm.KsmFixture.policy;
import static dev.libpool.node.ksm.KsmFixture.pool;
import static dev.libpool.node.ksm.KsmFixture.read;
import static dev.libpool.node.ksm.KsmFixture.staticSpec;
import static org.assertj.core.api.Assertions.assertThat;

class KsmControllerTest {
    private static final String OLD = "2026-01-01T00:00:00Z";

    @TempDir
    Path tmp;

    private Path sysfs;
    private Path proc;
    private Path meminfo;
    private final MutableClock clock = new MutableClock();

    private KsmController controller(String kernel) {
        sysfs = KsmFixture.copy(kernel, tmp);
        proc = KsmFixture.copy("proc", tmp);
        meminfo = tmp.resolve("meminfo");
        useMeminfo("meminfo-pressure");
        return new KsmController(new KsmPaths(sysfs, proc, meminfo, tmp.resolve("state/ksm-original.json"), 4096), clock);
    }

    private void useMeminfo(String name) {
        try {
            Files.copy(Path.of(getClass().getResource("/ksm/" + name).toURI()), meminfo, StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Path originals() { return tmp.resolve("state/ksm-original.json"); }

    private static NodeKsmState reconcile(KsmController c, SharedLibraryPool... pools) {
        return c.reconcile(List.of(pools), Map.of(), Map.of(), false);
    }

    @Test
    void withoutPoliciesItOnlyObservesAndReportsTheMeasurements() {
        KsmController c = controller("kernel-6.18");
        Map<String, String> before = contents(sysfs);
        NodeKsmState state = reconcile(c, pool("p", OLD, policy(KsmSpec.KsmPolicy.Unmanaged)));
        assertThat(state.getState()).isEqualTo("Unmanaged");
        assertThat(state.getReason()).isEqualTo("NoPolicy");
        assertThat(state.getPolicy()).isEqualTo(KsmSpec.KsmPolicy.Unmanaged);
        assertThat(state.getSysfs()).containsEntry("pages_to_scan", 100L).containsEntry("general_profit", 8_388_608L);
        assertThat(state.getProfitBytes()).isEqualTo(8_388_608L);
        assertThat(state.getKsmdCpuSeconds()).isEqualTo(18.0);
        assertThat(contents(sysfs)).isEqualTo(before);
        assertThat(Files.exists(originals())).isFalse();
    }

    @Test
    void staticIsAppliedWithOriginalsSavedAndRestoredExactlyWhenNoPoolAsksAnyMore() throws IOException {
        KsmController c = controller("kernel-6.18");
        Map<String, String> before = contents(sysfs);
        NodeKsmState applied = reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        assertThat(applied.getState()).isEqualTo("Managed");
        assertThat(applied.getPolicy()).isEqualTo(KsmSpec.KsmPolicy.Static);
        assertThat(applied.getPolicyPool()).isEqualTo("p");
        assertThat(applied.getSysfs()).containsEntry("pages_to_scan", 1000L).containsEntry("sleep_millisecs", 50L)
                .containsEntry("run", 1L);
        assertThat(read(sysfs, "run")).isEqualTo("1");
        assertThat(Files.readString(originals())).contains("\"pages_to_scan\" : \"100\"").contains("\"run\" : \"0\"");

        NodeKsmState again = reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        assertThat(again.getMessage()).endsWith("(already in force)");

        NodeKsmState restored = reconcile(c);
        assertThat(restored.getState()).isEqualTo("Unmanaged");
        assertThat(restored.getReason()).isEqualTo("Restored");
        assertThat(contents(sysfs)).isEqualTo(before);
        assertThat(Files.exists(originals())).isFalse();
    }

    @Test
    void originalsSavedBeforeACrashAreRestoredByTheNextDaemon() {
        KsmController first = controller("kernel-6.18");
        Map<String, String> before = contents(sysfs);
        reconcile(first, pool("p", OLD, staticSpec(1000, 50)));
        KsmController afterRestart = new KsmController(first.paths(), clock);
        NodeKsmState state = afterRestart.restoreOriginals();
        assertThat(state.getReason()).isEqualTo("Restored");
        assertThat(contents(sysfs)).isEqualTo(before);
        assertThat(afterRestart.restoreOriginals().getReason()).isEqualTo("NothingToRestore");
    }

    @Test
    void laterChangesKeepTheFirstOriginals() {
        KsmController c = controller("kernel-6.18");
        Map<String, String> before = contents(sysfs);
        reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        reconcile(c, pool("p", OLD, staticSpec(2000, 30)));
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("2000");
        c.restoreOriginals();
        assertThat(contents(sysfs)).isEqualTo(before);
    }

    @Test
    void theOldestPoolWinsAndTheOthersAreReportedOverridden() {
        KsmController c = controller("kernel-6.18");
        NodeKsmState state = reconcile(c, pool("young", "2026-05-01T00:00:00Z", staticSpec(2000, 10)),
                pool("elder", OLD, staticSpec(500, 40)), pool("quiet", OLD, policy(KsmSpec.KsmPolicy.Unmanaged)));
        assertThat(state.getPolicyPool()).isEqualTo("elder");
        assertThat(state.getOverriddenPools()).containsExactly("young");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("500");
    }

    @Test
    void kubevirtsHandlerIsNeverFought() {
        KsmController c = controller("kernel-6.18");
        Map<String, String> before = contents(sysfs);
        NodeKsmState state = c.reconcile(List.of(pool("p", OLD, staticSpec(1000, 50))),
                Map.of("kubevirt.io/ksm-enabled", "true"), Map.of("kubevirt.io/ksm-handler-managed", "true"), true);
        assertThat(state.getState()).isEqualTo("Conflict");
        assertThat(state.getReason()).isEqualTo("KubeVirtKsmHandler");
        assertThat(state.getMessage()).contains("remove spec.configuration.ksmConfiguration");
        assertThat(state.getSysfs()).containsEntry("run", 0L);
        assertThat(contents(sysfs)).isEqualTo(before);
        assertThat(Files.exists(originals())).isFalse();
    }

    @Test
    void aHostKsmtunedIsNeverFought() {
        KsmController c = controller("kernel-6.18");
        KsmFixture.write(proc, "1/comm", "ksmtuned");
        Map<String, String> before = contents(sysfs);
        NodeKsmState state = reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        assertThat(state.getState()).isEqualTo("Conflict");
        assertThat(state.getReason()).isEqualTo("HostKsmtuned");
        assertThat(contents(sysfs)).isEqualTo(before);
        assertThat(c.applyStatic(1000, 20, "demo").getState()).isEqualTo("Conflict");
    }

    @Test
    void originalsAreNotRestoredOverAManagerThatTookKsmOver() {
        KsmController c = controller("kernel-6.18");
        reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        NodeKsmState state = c.reconcile(List.of(), Map.of("kubevirt.io/ksm-enabled", "true"), Map.of(), true);
        assertThat(state.getState()).isEqualTo("Conflict");
        assertThat(state.getMessage()).contains("not restored while another manager owns KSM");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("1000");
        assertThat(Files.exists(originals())).isTrue();
    }

    @Test
    void someoneElsesAdvisorIsAConflictButOursIsSwitchedOffForStatic() {
        KsmController c = controller("kernel-6.18");
        KsmFixture.write(sysfs, "advisor_mode", "none [scan-time]");
        Map<String, String> before = contents(sysfs);
        NodeKsmState foreign = reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        assertThat(foreign.getState()).isEqualTo("Conflict");
        assertThat(foreign.getReason()).isEqualTo("KernelAdvisorActive");
        assertThat(contents(sysfs)).isEqualTo(before);

        KsmFixture.write(sysfs, "advisor_mode", "[none] scan-time");
        assertThat(reconcile(c, pool("p", OLD, policy(KsmSpec.KsmPolicy.Advisor))).getState()).isEqualTo("Managed");
        assertThat(read(sysfs, "advisor_mode")).isEqualTo("scan-time");
        NodeKsmState switched = reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        assertThat(switched.getState()).isEqualTo("Managed");
        assertThat(read(sysfs, "advisor_mode")).isEqualTo("none");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("1000");
    }

    @Test
    void advisorIsAppliedWhereTheKernelHasIt() {
        KsmController c = controller("kernel-6.18");
        NodeKsmState state = reconcile(c, pool("p", OLD, policy(KsmSpec.KsmPolicy.Advisor)));
        assertThat(state.getState()).isEqualTo("Managed");
        assertThat(state.getSysfs()).containsEntry("advisor_mode_scan_time", 1L).containsEntry("run", 1L);
        assertThat(read(sysfs, "advisor_target_scan_time")).isEqualTo("200");
    }

    @Test
    void advisorIsUnsupportedOnAnOlderKernelAndWritesNothing() {
        KsmController c = controller("kernel-5.15");
        Map<String, String> before = contents(sysfs);
        NodeKsmState state = reconcile(c, pool("p", OLD, policy(KsmSpec.KsmPolicy.Advisor)));
        assertThat(state.getState()).isEqualTo("Unsupported");
        assertThat(state.getReason()).isEqualTo("AdvisorNotSupported");
        // no general_profit here: the estimate of the admin guide
        assertThat(state.getProfitBytes()).isEqualTo(1000L * 4096 - 1160L * 64);
        assertThat(contents(sysfs)).isEqualTo(before);
        assertThat(Files.exists(originals())).isFalse();
    }

    @Test
    void offStopsKsmdOnly() {
        KsmController c = controller("kernel-5.15");
        reconcile(c, pool("p", OLD, policy(KsmSpec.KsmPolicy.Off)));
        assertThat(read(sysfs, "run")).isEqualTo("0");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("100");
    }

    @Test
    void adaptiveCarriesItsStateAndWaitsForItsInterval() {
        KsmController c = controller("kernel-6.18");
        SharedLibraryPool adaptive = pool("p", OLD, policy(KsmSpec.KsmPolicy.Adaptive));
        assertThat(reconcile(c, adaptive).getState()).isEqualTo("Managed");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("100");
        assertThat(read(sysfs, "run")).isEqualTo("1");
        // used 14384000 KiB: 100 x 16 GiB / used = 116 ms
        assertThat(read(sysfs, "sleep_millisecs")).isEqualTo("116");

        clock.advance(Duration.ofSeconds(30));
        reconcile(c, adaptive);
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("100");

        clock.advance(Duration.ofSeconds(30));
        reconcile(c, adaptive);
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("400");

        useMeminfo("meminfo-idle");
        clock.advance(Duration.ofSeconds(60));
        reconcile(c, adaptive);
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("350");
    }

    @Test
    void aReadOnlySysfsIsAClearFailureWithNothingWritten() throws IOException {
        KsmController c = controller("kernel-6.18");
        Files.setPosixFilePermissions(sysfs.resolve("pages_to_scan"), PosixFilePermissions.fromString("r--r--r--"));
        Map<String, String> before = contents(sysfs);
        NodeKsmState state = reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        assertThat(state.getState()).isEqualTo("Failed");
        assertThat(state.getReason()).isEqualTo("ReadOnlySysfs");
        assertThat(state.getMessage()).contains("pages_to_scan is read-only");
        assertThat(contents(sysfs)).isEqualTo(before);
    }

    @Test
    void anOutOfRangePoolSettingFailsWithNothingWritten() {
        KsmController c = controller("kernel-6.18");
        Map<String, String> before = contents(sysfs);
        NodeKsmState state = reconcile(c, pool("bad", OLD, staticSpec(100, 120_000)));
        assertThat(state.getState()).isEqualTo("Failed");
        assertThat(state.getReason()).isEqualTo("OutOfRange");
        assertThat(state.getMessage()).contains("pool bad").contains("sleep_millisecs=120000 is out of range");
        assertThat(contents(sysfs)).isEqualTo(before);
        assertThat(Files.exists(originals())).isFalse();
    }

    @Test
    void aKnobTheKernelCannotChangeWhileMergedStaysSavedForLater() {
        KsmController c = controller("kernel-6.18");
        KsmSpec spec = staticSpec(1000, 50);
        spec.setMergeAcrossNodes(false);
        reconcile(c, pool("p", OLD, spec));
        assertThat(read(sysfs, "merge_across_nodes")).isEqualTo("0");
        KsmFixture.write(sysfs, "pages_shared", "10"); // ksmd merged pages meanwhile

        NodeKsmState state = reconcile(c);
        assertThat(state.getState()).isEqualTo("Failed");
        assertThat(state.getReason()).isEqualTo("RestoreIncomplete");
        assertThat(state.getMessage()).contains("merge_across_nodes=1");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("100");
        assertThat(read(sysfs, "merge_across_nodes")).isEqualTo("0");

        // a pool asks again before the unmerge: its changes join the saved originals
        reconcile(c, pool("p", OLD, staticSpec(2000, 30)));
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("2000");

        KsmFixture.write(sysfs, "pages_shared", "0"); // unmerged later
        assertThat(reconcile(c).getReason()).isEqualTo("Restored");
        assertThat(read(sysfs, "merge_across_nodes")).isEqualTo("1");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("100");
        assertThat(read(sysfs, "sleep_millisecs")).isEqualTo("20");
        assertThat(read(sysfs, "run")).isEqualTo("0");
        assertThat(Files.exists(originals())).isFalse();
    }

    @Test
    void noKsmInTheKernelIsUnsupported() {
        KsmController c = new KsmController(new KsmPaths(tmp.resolve("none"), tmp, tmp.resolve("meminfo"),
                tmp.resolve("o.json"), 4096), clock);
        NodeKsmState state = reconcile(c, pool("p", OLD, staticSpec(1000, 50)));
        assertThat(state.getState()).isEqualTo("Unsupported");
        assertThat(state.getReason()).isEqualTo("KsmNotAvailable");
    }

    @Test
    void measuresQemuProcesses() throws IOException {
        KsmController c = controller("kernel-6.18");
        KsmMeasurement m = c.measure();
        assertThat(m.ksmdCpuSeconds()).hasValue(18.0);
        assertThat(m.profitBytes()).isEqualTo(8_388_608L);
        assertThat(m.qemuProcesses()).extracting(ProcessKsmStat::pid).containsExactly(4242);
    }

    /** A clock the test moves by hand, for the Adaptive interval. */
    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-26T07:00:00Z");

        void advance(Duration d) { now = now.plus(d); }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }
}
