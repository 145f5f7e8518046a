package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmAdvisorSpec;
import dev.libpool.api.v1alpha1.KsmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.libpool.node.ksm.KsmFixture.policy;
import static dev.libpool.node.ksm.KsmFixture.staticSpec;
import static org.assertj.core.api.Assertions.assertThat;

class KsmPolicyDeciderTest {
    @TempDir
    Path tmp;

    private KsmReading kernel618() { return KsmFixture.reading(KsmFixture.copy("kernel-6.18", tmp)); }
    private KsmReading kernel515() { return KsmFixture.reading(KsmFixture.copy("kernel-5.15", tmp)); }

    @Test
    void unmanagedWritesNothing() {
        KsmDecision decision = KsmPolicyDecider.decide(policy(KsmSpec.KsmPolicy.Unmanaged), kernel618(), KsmSettings.none());
        assertThat(decision.outcome()).isEqualTo(KsmDecision.Outcome.OBSERVE);
        assertThat(decision.settings().isEmpty()).isTrue();
        assertThat(KsmPolicyDecider.decide(null, kernel618(), KsmSettings.none()).outcome())
                .isEqualTo(KsmDecision.Outcome.OBSERVE);
    }

    @Test
    void offStopsKsmdWithoutUnmerging() {
        KsmDecision decision = KsmPolicyDecider.decide(policy(KsmSpec.KsmPolicy.Off), kernel618(), KsmSettings.none());
        assertThat(decision.outcome()).isEqualTo(KsmDecision.Outcome.WRITE);
        assertThat(decision.settings().toString()).isEqualTo("run=0");
    }

    @Test
    void staticWritesTheGivenKnobsAndStartsKsmd() {
        KsmSpec spec = staticSpec(1000, 20);
        spec.setUseZeroPages(true);
        spec.setMergeAcrossNodes(false);
        spec.setMaxPageSharing(512);
        KsmDecision decision = KsmPolicyDecider.decide(spec, kernel618(), KsmSettings.none());
        assertThat(decision.settings().toString()).isEqualTo(
                "sleep_millisecs=20, pages_to_scan=1000, merge_across_nodes=0, use_zero_pages=1, max_page_sharing=512, run=1");
    }

    @Test
    void staticWithoutPagesOrSleepIsInvalid() {
        KsmSpec spec = policy(KsmSpec.KsmPolicy.Static);
        spec.setPagesToScan(100);
        KsmDecision decision = KsmPolicyDecider.decide(spec, kernel618(), KsmSettings.none());
        assertThat(decision.outcome()).isEqualTo(KsmDecision.Outcome.INVALID);
        assertThat(decision.message()).contains("ksm.pagesToScan and ksm.sleepMillisecs");
    }

    @Test
    void staticOutOfRangeIsInvalidAndNamesTheKnob() {
        KsmDecision decision = KsmPolicyDecider.decide(staticSpec(0, 20), kernel618(), KsmSettings.none());
        assertThat(decision.outcome()).isEqualTo(KsmDecision.Outcome.INVALID);
        assertThat(decision.reason()).isEqualTo("OutOfRange");
        assertThat(decision.message()).contains("pages_to_scan=0 is out of range: use 1..100000");
    }

    @Test
    void staticLeavesAnActiveAdvisorFirst() {
        KsmReading advisorOn = new KsmReading(kernel618().counters(), "scan-time", 4096);
        KsmDecision decision = KsmPolicyDecider.decide(staticSpec(1000, 20), advisorOn, KsmSettings.none());
        assertThat(decision.settings().toString()).startsWith("advisor_mode=none, sleep_millisecs=20, pages_to_scan=1000");
    }

    @Test
    void aKnobTheKernelLacksIsUnsupported() {
        KsmSpec spec = staticSpec(100, 20);
        spec.setUseZeroPages(true);
        KsmReading noZeroPages = new KsmReading(
                new java.util.HashMap<>(kernel515().counters()) {{ remove("use_zero_pages"); }}, null, 4096);
        KsmDecision decision = KsmPolicyDecider.decide(spec, noZeroPages, KsmSettings.none());
        assertThat(decision.outcome()).isEqualTo(KsmDecision.Outcome.UNSUPPORTED);
        assertThat(decision.message()).contains("no ksm use_zero_pages");
    }

    @Test
    void adaptiveWritesWhatTheLoopSaysPlusTheCommonKnobs() {
        KsmSpec spec = policy(KsmSpec.KsmPolicy.Adaptive);
        spec.setUseZeroPages(true);
        KsmSettings loop = KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 111).with(KsmKnob.PAGES_TO_SCAN, 100)
                .with(KsmKnob.RUN, 1);
        assertThat(KsmPolicyDecider.decide(spec, kernel618(), loop).settings().toString())
                .isEqualTo("sleep_millisecs=111, pages_to_scan=100, use_zero_pages=1, run=1");
        assertThat(KsmPolicyDecider.decide(policy(KsmSpec.KsmPolicy.Adaptive), kernel618(),
                KsmSettings.none().with(KsmKnob.RUN, 0)).settings().toString()).isEqualTo("run=0");
    }

    @Test
    void advisorSetsScanTimeModeWithDefaultsAndStartsKsmd() {
        KsmDecision decision = KsmPolicyDecider.decide(policy(KsmSpec.KsmPolicy.Advisor), kernel618(), KsmSettings.none());
        assertThat(decision.settings().toString())
                .isEqualTo("advisor_target_scan_time=200, advisor_max_cpu=70, advisor_mode=scan-time, run=1");
    }

    @Test
    void advisorSetsMinMaxPagesAndSleepWhereGiven() {
        KsmSpec spec = policy(KsmSpec.KsmPolicy.Advisor);
        KsmAdvisorSpec advisor = new KsmAdvisorSpec();
        advisor.setTargetScanTimeSeconds(60);
        advisor.setMaxCpuPercent(20);
        advisor.setMinPagesToScan(1000);
        advisor.setMaxPagesToScan(5000);
        spec.setAdvisor(advisor);
        spec.setSleepMillisecs(50);
        assertThat(KsmPolicyDecider.decide(spec, kernel618(), KsmSettings.none()).settings().toString()).isEqualTo(
                "sleep_millisecs=50, advisor_target_scan_time=60, advisor_max_cpu=20, advisor_min_pages_to_scan=1000, "
                        + "advisor_max_pages_to_scan=5000, advisor_mode=scan-time, run=1");
    }

    @Test
    void advisorMinAboveTheKernelsMaxIsInvalid() {
        KsmSpec spec = policy(KsmSpec.KsmPolicy.Advisor);
        KsmAdvisorSpec advisor = new KsmAdvisorSpec();
        advisor.setMinPagesToScan(40000); // the kernel's advisor_max_pages_to_scan is 30000
        spec.setAdvisor(advisor);
        KsmDecision decision = KsmPolicyDecider.decide(spec, kernel618(), KsmSettings.none());
        assertThat(decision.outcome()).isEqualTo(KsmDecision.Outcome.INVALID);
        assertThat(decision.message()).contains("minPagesToScan (40000) would exceed advisor_max_pages_to_scan (30000)");
    }

    @Test
    void advisorIsUnsupportedOnAKernelWithoutIt() {
        KsmDecision decision = KsmPolicyDecider.decide(policy(KsmSpec.KsmPolicy.Advisor), kernel515(), KsmSettings.none());
        assertThat(decision.outcome()).isEqualTo(KsmDecision.Outcome.UNSUPPORTED);
        assertThat(decision.reason()).isEqualTo("AdvisorNotSupported");
        assertThat(decision.message()).contains("Linux 6.7+").contains("use ksm.policy Adaptive or Static");
    }
}
