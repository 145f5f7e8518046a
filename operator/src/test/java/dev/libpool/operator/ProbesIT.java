package dev.libpool.operator;

import dev.libpool.kubetest.RequiresTestCluster;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The probes and metrics the Deployment points at, on the operator running against the test cluster. */
@RequiresTestCluster
@QuarkusTest
@WithTestResource(TestClusterResource.class)
class ProbesIT {
    @TestHTTPResource("/q/health/ready")
    URI ready;
    @TestHTTPResource("/q/health/live")
    URI live;
    @TestHTTPResource("/q/metrics")
    URI metrics;

    @Test
    void probesAnswerAndTheOperatorsMetricsAreExported() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        await().untilAsserted(() -> assertThat(get(http, ready).statusCode()).isEqualTo(200));
        assertThat(get(http, live).statusCode()).isEqualTo(200);
        String body = get(http, metrics).body();
        assertThat(body).contains("libpool_vm_patches_total", "libpool_reconcile_duration_seconds");
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }
}
