package dev.libpool.e2e;

import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.e2e.operator.KubeVirtCr;
import dev.libpool.e2e.operator.OperatorProcess;
import dev.libpool.kubetest.TestCluster;
import dev.libpool.node.report.NodeReportWriter;
import dev.libpool.operator.vm.VmConverger;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What OperatorChainE2E's cluster holds besides the user's pool and VM, and its cleanup: the operator process in a
 * namespace of its own, the KubeVirt CR (as virt-operator leaves it, unless the cluster runs KubeVirt itself) and
 * the node's NodePoolReport (as the node daemon writes it). Everything it creates goes in {@link #close()}.
 */
final class ChainCluster implements AutoCloseable {
    /** The version of the KubeVirt CR written here: the hook's sidecar-shim image follows it. */
    static final String KUBEVIRT_VERSION = "v1.6.0";

    private final TestCluster cluster;
    private final KubernetesClient client;
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> pools = new ArrayList<>();
    private final List<String> reports = new ArrayList<>();
    private OperatorProcess operator;

    ChainCluster(TestCluster cluster) {
        this.cluster = cluster;
        this.client = cluster.client();
    }

    String namespace(String prefix) {
        String name = cluster.createNamespace(prefix);
        namespaces.add(name);
        return name;
    }

    void pool(SharedLibraryPool pool) {
        client.resources(SharedLibraryPool.class).resource(pool).serverSideApply();
        pools.add(pool.getMetadata().getName());
    }

    /** The KubeVirt CR, unless the cluster runs KubeVirt: see {@link KubeVirtCr#ensureWithGates}. */
    Optional<String> kubevirtWithGates() {
        return KubeVirtCr.ensureWithGates(client, namespace("kubevirt"), KUBEVIRT_VERSION);
    }

    /**
     * NODE's report of the pool the lab built, written by the node daemon's own writer. The lab built it from the
     * pool's YAML file, which has no generation; the daemon reports the generation of the object it reconciled, so
     * the state is stamped with the server's.
     */
    void nodeReport(String node, NodePoolState state, String pool) {
        state.setObservedGeneration(client.resources(SharedLibraryPool.class).withName(pool).get().getMetadata().getGeneration());
        NodePoolReportStatus status = new NodePoolReportStatus();
        status.setPools(List.of(state));
        reports.add(node);
        new NodeReportWriter(client, node, Clock.systemUTC()).write(status);
    }

    /** The packaged operator, configured as the chart's Deployment configures it, leader election on. */
    OperatorProcess startOperator(String stateDir, Path log) {
        String ns = namespace("libpool-system");
        Map<String, String> settings = OperatorProcess.chartSettings(ns);
        settings.put("LIBPOOL_STATE_DIR", stateDir);
        operator = OperatorProcess.start(OperatorProcess.jar(), cluster.kubeconfigForProcess(), settings, log);
        return operator;
    }

    /** The operator's output, for a failure's report. */
    String operatorLog() {
        return operator == null ? "(the operator was not started)" : operator.log();
    }

    /**
     * Deletes what this test made. The pool goes while the operator still runs (its finalizer unpatches and is then
     * released); VMs go before their namespaces (a local server has no namespace controller).
     */
    @Override
    public void close() {
        try {
            for (String pool : pools) {
                client.resources(SharedLibraryPool.class).withName(pool).delete();
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (client.resources(SharedLibraryPool.class).withName(pool).get() != null && System.nanoTime() < end
                        && operator != null && operator.isAlive()) {
                    Thread.sleep(500);
                }
                if (client.resources(SharedLibraryPool.class).withName(pool).get() != null) {
                    client.resources(SharedLibraryPool.class).withName(pool)
                            .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (operator != null) {
                operator.close();
            }
            reports.forEach(r -> client.resources(NodePoolReport.class).withName(r).delete());
            namespaces.forEach(n -> {
                client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(n).delete();
                client.genericKubernetesResources(KubeVirtCr.KUBEVIRTS).inNamespace(n).delete();
                client.namespaces().withName(n).delete();
            });
        }
    }
}
