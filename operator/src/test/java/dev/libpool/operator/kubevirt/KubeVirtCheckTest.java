package dev.libpool.operator.kubevirt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KubeVirtCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void withoutKubeVirtNothingIsReady() {
        KubeVirtCheck.Result result = KubeVirtCheck.check(List.of());
        assertThat(result.ready()).isFalse();
        assertThat(result.message()).contains("install KubeVirt");
        assertThat(result.sidecarShim()).isEmpty();
    }

    @Test
    void missingGatesAreNamedWithTheOneLineFix() throws Exception {
        JsonNode kv = JSON.readTree("""
                {"metadata": {"name": "kubevirt", "namespace": "kubevirt"},
                 "spec": {"configuration": {"developerConfiguration": {"featureGates": ["Sidecar"]}}},
                 "status": {"observedKubeVirtVersion": "v1.9.0", "observedKubeVirtRegistry": "registry.example/kv"}}""");
        KubeVirtCheck.Result result = KubeVirtCheck.check(List.of(kv));
        assertThat(result.ready()).isFalse();
        assertThat(result.missingGates()).containsExactly("HostDisk");
        assertThat(result.message()).contains("HostDisk", "kubectl patch kubevirt kubevirt -n kubevirt --type=json");
        assertThat(result.sidecarShim()).as("KubeVirt >= 1.3 runs its own installed shim for an empty image")
                .contains(KubeVirtCheck.INSTALLED_SIDECAR_SHIM);
    }

    @Test
    void bothGatesMakeItReadyAndTheShimIsTheInstalledOne() throws Exception {
        JsonNode kv = JSON.readTree("""
                {"metadata": {"name": "kubevirt", "namespace": "kubevirt"},
                 "spec": {"configuration": {"developerConfiguration": {"featureGates": ["HostDisk", "Sidecar", "Snapshot"]}}},
                 "status": {"observedKubeVirtVersion": "v1.9.0"}}""");
        KubeVirtCheck.Result result = KubeVirtCheck.check(List.of(kv));
        assertThat(result.ready()).isTrue();
        assertThat(result.sidecarShim()).contains("");
    }

    /**
     * Before KubeVirt 1.3 an empty image was not resolved to the installed shim: the image is named as virt-operator
     * names it from the CR (registry, spec.imagePrefix, version); a version not yet reported gives no image at all.
     */
    @Test
    void kubeVirtBefore13GetsTheShimOfItsRegistryPrefixAndVersion() throws Exception {
        for (String version : List.of("v1.2.2", "v0.59.0", "1.1.0")) {
            JsonNode kv = JSON.readTree("""
                    {"metadata": {"name": "kubevirt", "namespace": "kubevirt"},
                     "spec": {"imagePrefix": "pfx-", "configuration": {"developerConfiguration": {"featureGates": ["HostDisk", "Sidecar"]}}},
                     "status": {"observedKubeVirtVersion": "%s", "observedKubeVirtRegistry": "registry.example/kv"}}"""
                    .formatted(version));
            assertThat(KubeVirtCheck.check(List.of(kv)).sidecarShim()).as(version)
                    .contains("registry.example/kv/pfx-sidecar-shim:" + version);
        }
        for (String version : List.of("v1.3.0", "v1.3.0-rc.1", "v1.10.2", "v2.0.0", "devel-1234")) {
            JsonNode kv = JSON.readTree("""
                    {"spec": {"imagePrefix": "pfx-"}, "status": {"observedKubeVirtVersion": "%s"}}""".formatted(version));
            assertThat(KubeVirtCheck.check(List.of(kv)).sidecarShim()).as(version).contains(KubeVirtCheck.INSTALLED_SIDECAR_SHIM);
        }
        assertThat(KubeVirtCheck.check(List.of(JSON.readTree("{\"spec\": {}}"))).sidecarShim()).isEmpty();
    }
}
