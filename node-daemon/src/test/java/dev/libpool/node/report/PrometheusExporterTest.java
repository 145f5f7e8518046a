package dev.libpool.node.report;

import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.UsedContent;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PrometheusExporterTest {

    static NodePoolReportStatus sample() {
        ImageInfo image = new ImageInfo();
        image.setDigest("sha256:ab");
        image.setSizeBytes(310378496L);
        image.setLibraryCount(456);
        image.setLibraryBytes(229638144L);
        NodePoolState ready = new NodePoolState();
        ready.setName("base");
        ready.setState(NodePoolState.State.Ready);
        ready.setImage(image);
        ready.setMappers(4);
        ready.setResidentBytes(200L << 20);
        ready.setSavedBytes(600L << 20);
        ready.setRetainedGenerations(1);
        UsedContent used = new UsedContent();
        used.setFiles(190);
        used.setFileBytes(220L << 20);
        used.setPages(23401L);
        used.setBytes(23401L * 4096);
        ready.setUsed(used);
        NodePoolState failed = new NodePoolState();
        failed.setName("we\"ird");
        failed.setState(NodePoolState.State.Failed);
        NodeKsmState ksm = new NodeKsmState();
        ksm.setState("Managed");
        ksm.setProfitBytes(123456L);
        ksm.setKsmdCpuSeconds(22.5);
        ksm.setSysfs(new java.util.HashMap<>(Map.of("pages_sharing", 30L, "run", 1L)));
        NodePoolReportStatus status = new NodePoolReportStatus();
        status.setPools(List.of(ready, failed));
        status.setKsm(ksm);
        return status;
    }

    @Test
    void rendersPoolAndKsmFigures() {
        String text = PrometheusExporter.render(sample());
        assertThat(text).contains(
                "# TYPE libpool_pool_bytes gauge\nlibpool_pool_bytes{pool=\"base\"} 310378496\n",
                "libpool_pool_library_count{pool=\"base\"} 456\n",
                "libpool_pool_mappers{pool=\"base\"} 4\n",
                "libpool_pool_saved_bytes{pool=\"base\"} 629145600\n",
                "libpool_pool_resident_bytes{pool=\"base\"} 209715200\n",
                "libpool_pool_used_files{pool=\"base\"} 190\n",
                "libpool_pool_used_file_bytes{pool=\"base\"} 230686720\n",
                "libpool_pool_used_pages{pool=\"base\"} 23401\n",
                "libpool_pool_state{pool=\"base\",state=\"Ready\"} 1\n",
                "libpool_pool_state{pool=\"base\",state=\"Failed\"} 0\n",
                "libpool_pool_state{pool=\"we\\\"ird\",state=\"Failed\"} 1\n",
                "libpool_ksm_profit_bytes 123456\n",
                "# TYPE libpool_ksmd_cpu_seconds_total counter\nlibpool_ksmd_cpu_seconds_total 22.5\n",
                "libpool_ksm_pages_sharing 30\n",
                "libpool_ksm_state{state=\"Managed\"} 1\n");
        // a failed pool without an image exports no size sample
        assertThat(text).doesNotContain("libpool_pool_bytes{pool=\"we");
    }

    @Test
    void servesMetricsOverHttp() throws Exception {
        try (MetricsServer server = new MetricsServer(0, PrometheusExporterTest::sample)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain; version=0.0.4"));
            assertThat(r.body()).contains("libpool_pool_mappers{pool=\"base\"} 4");
        }
    }
}
