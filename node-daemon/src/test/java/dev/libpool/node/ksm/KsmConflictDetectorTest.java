package dev.libpool.node.ksm;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KsmConflictDetectorTest {
    @Test
    void kubevirtLabelMeansConflict() {
        assertThat(KsmConflictDetector.otherManager(Map.of("kubevirt.io/ksm-enabled", "true"), Map.of(), false, false))
                .hasValueSatisfying(c -> {
                    assertThat(c.reason()).isEqualTo("KubeVirtKsmHandler");
                    assertThat(c.message()).contains("kubevirt.io/ksm-enabled=true")
                            .contains("remove spec.configuration.ksmConfiguration").contains("policy: Unmanaged");
                });
    }

    @Test
    void kubevirtManagedAnnotationMeansConflict() {
        assertThat(KsmConflictDetector.otherManager(Map.of(), Map.of("kubevirt.io/ksm-handler-managed", "true"), false, false))
                .hasValueSatisfying(c -> assertThat(c.message()).contains("annotated kubevirt.io/ksm-handler-managed=true"));
    }

    @Test
    void kubevirtFalseLabelAndAnnotationAreNoConflict() {
        assertThat(KsmConflictDetector.otherManager(Map.of("kubevirt.io/ksm-enabled", "false"),
                Map.of("kubevirt.io/ksm-handler-managed", "false"), true, false)).isEmpty();
        assertThat(KsmConflictDetector.otherManager(null, null, false, false)).isEmpty();
    }

    @Test
    void kubevirtConfigurationWithoutAFalseLabelMeansConflict() {
        assertThat(KsmConflictDetector.otherManager(Map.of(), Map.of(), true, false))
                .hasValueSatisfying(c -> assertThat(c.message()).contains("has spec.configuration.ksmConfiguration"));
    }

    @Test
    void hostKsmtunedMeansConflict() {
        assertThat(KsmConflictDetector.otherManager(Map.of(), Map.of(), false, true))
                .hasValueSatisfying(c -> {
                    assertThat(c.reason()).isEqualTo("HostKsmtuned");
                    assertThat(c.message()).contains("systemctl disable --now ksmtuned");
                });
    }

    @Test
    void switchingOffSomeoneElsesAdvisorIsAConflict() {
        KsmReading advisorOn = new KsmReading(Map.of("run", 1L), "scan-time", 4096);
        KsmSettings leave = KsmSettings.none().with(KsmKnob.ADVISOR_MODE, "none").with(KsmKnob.PAGES_TO_SCAN, 100);
        assertThat(KsmConflictDetector.foreignAdvisor(advisorOn, leave, false))
                .hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("KernelAdvisorActive"));
        assertThat(KsmConflictDetector.foreignAdvisor(advisorOn, leave, true)).isEmpty();
        assertThat(KsmConflictDetector.foreignAdvisor(advisorOn, KsmSettings.none().with(KsmKnob.RUN, 0), false)).isEmpty();
        KsmReading advisorOff = new KsmReading(Map.of("run", 1L), "none", 4096);
        assertThat(KsmConflictDetector.foreignAdvisor(advisorOff, leave, false)).isEmpty();
    }
}
