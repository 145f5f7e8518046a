package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static dev.libpool.api.v1alpha1.ApiSerializationTest.SERIALIZATION;
import static org.assertj.core.api.Assertions.assertThat;

/** A pool with only the required fields gets the documented defaults, in Java and from the API server alike. */
class PoolDefaultsTest {
    static final String MINIMAL = """
            apiVersion: libpool.dev/v1alpha1
            kind: SharedLibraryPool
            metadata:
              name: minimal
            spec:
              source:
                hostPath:
                  path: /var/lib/guest-root
              maxSize: 256Mi
              namespaceSelector: {}
            """;

    @Test
    void minimalPoolHasTheDocumentedDefaults() {
        SharedLibraryPoolSpec spec = SERIALIZATION.unmarshal(MINIMAL, SharedLibraryPool.class).getSpec();

        assertThat(spec.getMedium()).isEqualTo(PoolMedium.tmpfs);
        assertThat(spec.getKsm().getPolicy()).isEqualTo(KsmSpec.KsmPolicy.Unmanaged);
        assertThat(spec.getKsm().getAdvisor()).isNull();
        assertThat(spec.getKsm().getAdaptive()).isNull();
        assertThat(spec.getAttach().getGuestMountPath()).isEqualTo("/run/libpool");
        assertThat(spec.getAttach().getGuestSetup()).isEqualTo(AttachSpec.GuestSetup.CloudInit);
        assertThat(spec.getInclude()).isEmpty();
        assertThat(spec.effectiveInclude()).isEqualTo(SharedLibraryPoolSpec.DEFAULT_INCLUDE)
                .contains("usr/lib/**/*.so*", "lib64/**/*.so*");
        assertThat(spec.getExclude()).isEmpty();
        assertThat(spec.getNodeSelector()).isEmpty();
        assertThat(spec.getNamespaceSelector().getMatchLabels()).isNullOrEmpty();
        assertThat(spec.getNamespaceSelector().getMatchExpressions()).isNullOrEmpty();
    }

    @Test
    void givenIncludeReplacesTheDefault() {
        SharedLibraryPoolSpec spec = SERIALIZATION.unmarshal(MINIMAL.replace("  maxSize:",
                "  include: [usr/lib/x86_64-linux-gnu/**/*.so.*]\n  maxSize:"), SharedLibraryPool.class).getSpec();

        assertThat(spec.effectiveInclude()).containsExactly("usr/lib/x86_64-linux-gnu/**/*.so.*");
    }

    @Test
    void adaptiveAndAdvisorBlocksDefaultTheirKnobs() {
        SharedLibraryPoolSpec spec = SERIALIZATION.unmarshal(MINIMAL + "  ksm:\n    policy: Adaptive\n    adaptive: {}\n",
                SharedLibraryPool.class).getSpec();

        KsmAdaptiveSpec adaptive = spec.getKsm().getAdaptive();
        assertThat(adaptive.getFreePercent()).isEqualTo(20);
        assertThat(adaptive.getMinPages()).isLessThan(adaptive.getMaxPages());
        assertThat(new KsmAdvisorSpec().getTargetScanTimeSeconds()).isEqualTo(200);
        assertThat(new KsmAdvisorSpec().getMaxCpuPercent()).isEqualTo(70);
    }

    /** The schema's defaults are what the API server stores; they must be the model's own defaults. */
    @Test
    void apiServerDefaultsEqualTheModelDefaults() throws Exception {
        for (String yaml : new String[] {MINIMAL, MINIMAL + "  ksm:\n    policy: Adaptive\n    adaptive: {}\n",
                MINIMAL + "  ksm:\n    policy: Advisor\n    advisor: {}\n"}) {
            JsonNode asStored = CrdValidator.of(GeneratedCrd.POOLS).withDefaults(GeneratedCrd.YAML.readTree(yaml));
            assertThat(asStored.at("/spec/medium").asText()).isEqualTo("tmpfs");
            assertThat(asStored.at("/spec/attach/guestMountPath").asText()).isEqualTo("/run/libpool");

            SharedLibraryPool fromServer = SERIALIZATION.unmarshal(asStored.toString(), SharedLibraryPool.class);
            SharedLibraryPool fromJava = SERIALIZATION.unmarshal(yaml, SharedLibraryPool.class);
            assertThat(GeneratedCrd.YAML.readTree(SERIALIZATION.asJson(fromServer.getSpec())))
                    .isEqualTo(GeneratedCrd.YAML.readTree(SERIALIZATION.asJson(fromJava.getSpec())));
        }
    }
}
