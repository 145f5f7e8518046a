package dev.libpool.node.report;

import com.sun.net.httpserver.HttpExchange;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Serves /metrics with the Prometheus Java client's HTTP server, and /healthz. */
public final class MetricsServer implements AutoCloseable {

    private final HTTPServer server;

    public MetricsServer(int port, Supplier<NodePoolReportStatus> report) throws IOException {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new PrometheusExporter(report));
        server = HTTPServer.builder().port(port).registry(registry).defaultHandler(MetricsServer::other).buildAndStart();
    }

    public int port() {
        return server.getPort();
    }

    /** Everything but /metrics: /healthz says the daemon is up, the rest is not found. */
    private static void other(HttpExchange ex) throws IOException {
        boolean health = ex.getRequestURI().getPath().equals("/healthz");
        byte[] body = (health ? "ok\n" : "not found\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(health ? 200 : 404, body.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
