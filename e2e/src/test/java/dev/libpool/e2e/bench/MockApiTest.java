package dev.libpool.e2e.bench;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MockApiTest {
    @Test
    void theResourceOfARequestPathIsWhatTheBenchmarkCountsWritesBy() {
        assertThat(MockApi.resource("/apis/kubevirt.io/v1/namespaces/bench-0/virtualmachines/vm-0")).isEqualTo("virtualmachines");
        assertThat(MockApi.resource("/api/v1/namespaces/bench-0/events")).isEqualTo("events");
        assertThat(MockApi.resource("/api/v1/namespaces/bench-0/configmaps/libpool-hook?fieldManager=x")).isEqualTo("configmaps");
        assertThat(MockApi.resource("/apis/libpool.dev/v1alpha1/sharedlibrarypools/bench-1/status")).isEqualTo("sharedlibrarypools");
        assertThat(MockApi.resource("/api/v1/namespaces/bench-0")).isEqualTo("namespaces");
        assertThat(MockApi.resource("/apis/apps/v1/namespaces/libpool-system/daemonsets")).isEqualTo("daemonsets");
    }
}
