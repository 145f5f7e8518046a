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
        assertThat(result.sidecarShim()).contains("registry.example/kv/sidecar-shim:v1.9.0");
    }

    @Test
    void bothGatesMakeItReadyAndTheShimDefaultsToQuay() throws Exception {
        JsonNode kv = JSON.readTree("""
                {"metadata": {"name": "kubevirt", "namespace": "kubevirt"},
                 "spec": {"configuration": {"developerConfiguration": {"featureGates": ["HostDisk", "Sidecar", "Snapshot"]}}},
                 "status": {"observedKubeVirtVersion": "v1.9.0"}}""");
        KubeVirtCheck.Result result = KubeVirtCheck.check(List.of(kv));
        assertThat(result.ready()).isTrue();
        assertThat(result.sidecarShim()).contains("quay.io/kubevirt/sidecar-shim:v1.9.0");
    }
}
