package dev.libpool.e2e.bench;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.kubetest.AuditLog;
import dev.libpool.kubetest.TestCluster;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The tests' API server (kube-test's TestCluster): the kube-apiserver + etcd that {@code ./libpool apiserver} built,
 * started here, whose audit log counts the operator's writes at the server; or the cluster of KUBECONFIG (writes
 * not counted: its audit log is out of reach).
 */
final class RealApi implements BenchApi {
    /** The server's own loopback client (leases, flow control), not a client of the benchmark. */
    private static final String API_SERVER_USER = "system:apiserver";

    private final TestCluster cluster;
    private final KubernetesClient client;
    private final Optional<AuditLog> audit;

    private RealApi(TestCluster cluster) {
        this.cluster = cluster;
        this.client = new KubernetesClientBuilder().withConfig(new ConfigBuilder(cluster.config())
                .withUserAgent(BENCH_AGENT).build()).build();
        this.audit = cluster.auditLogFromNow();
    }

    static RealApi start() {
        TestCluster.unavailableReason().ifPresent(reason -> {
            throw new IllegalStateException(reason + " (or run the benchmark against the mock server: --mock)");
        });
        return new RealApi(TestCluster.get());
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public String kubeconfig() {
        return cluster.kubeconfigForProcess();
    }

    @Override
    public String label() {
        return cluster.description();
    }

    @Override
    public Optional<List<String>> operatorWrites() {
        return audit.map(log -> log.next().stream().filter(w -> !w.userAgent().equals(BENCH_AGENT)
                && !w.user().equals(API_SERVER_USER)).map(w -> w.resource() + " " + w.verb() + " "
                + (w.namespace().isEmpty() ? "" : w.namespace() + "/") + w.name()
                + (w.subresource().isEmpty() ? "" : " " + w.subresource())).toList());
    }

    /** On KUBECONFIG's cluster: the pools (while the operator still runs, for their finalizers), then the namespaces. */
    @Override
    public void cleanUp() throws InterruptedException {
        if (cluster.isLocal()) {
            return; // the local server goes with this JVM
        }
        var pools = client.resources(SharedLibraryPool.class).withLabel(Seed.BENCH_LABEL);
        pools.delete();
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!pools.list().getItems().isEmpty() && System.nanoTime() < end) {
            Thread.sleep(1000);
        }
        client.namespaces().withLabel(Seed.BENCH_LABEL).delete();
    }

    @Override
    public void close() {
        client.close();
    }
}
