package dev.libpool.node;

import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.ksm.KsmController;
import dev.libpool.node.pool.PoolService;
import dev.libpool.node.report.NodeReportWriter;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Cluster mode: watches SharedLibraryPools, reconciles those whose nodeSelector matches this node on every
 * change and periodically (measurements move), then writes the node's report and keeps it for the metrics.
 * One worker thread does everything, so pools, KSM and the report never race.
 */
public final class NodeDaemon implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NodeDaemon.class.getName());
    private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(2);

    private final KubernetesClient client;
    private final String nodeName;
    private final HostPaths paths;
    private final KsmController ksm;
    private final Duration period;
    private final NodeReportWriter writer;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicReference<NodePoolReportStatus> latest = new AtomicReference<>(new NodePoolReportStatus());
    /** Per pool name, the service of its current generation (it caches the verified digest). */
    private final Map<String, PoolService> services = new HashMap<>();
    private final Map<String, Long> serviceGenerations = new HashMap<>();
    private SharedIndexInformer<SharedLibraryPool> informer;

    public NodeDaemon(KubernetesClient client, String nodeName, HostPaths paths, KsmController ksm, Duration period) {
        this.client = client;
        this.nodeName = nodeName;
        this.paths = paths;
        this.ksm = ksm;
        this.period = period;
        this.writer = new NodeReportWriter(client, nodeName, Clock.systemUTC());
    }

    /** Starts the informer and the periodic pass; returns at once. */
    public void start() {
        informer = client.resources(SharedLibraryPool.class).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(SharedLibraryPool pool) {
                trigger();
            }

            @Override
            public void onUpdate(SharedLibraryPool old, SharedLibraryPool pool) {
                trigger();
            }

            @Override
            public void onDelete(SharedLibraryPool pool, boolean finalStateUnknown) {
                trigger();
            }
        });
        worker.scheduleWithFixedDelay(this::trigger, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info(() -> "libpool node daemon on node " + nodeName + ", state in " + paths.state());
    }

    /** The last report written: what /metrics serves. */
    public NodePoolReportStatus latest() {
        return latest.get();
    }

    /** Lets a running pass finish (a build is not interrupted half-way), then stops watching. */
    @Override
    public void close() throws InterruptedException {
        worker.shutdown();
        if (!worker.awaitTermination(CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            worker.shutdownNow();
        }
        if (informer != null) {
            informer.close();
        }
    }

    /** Coalesces bursts of events into one pass on the worker thread. */
    private void trigger() {
        if (pending.compareAndSet(false, true)) {
            worker.execute(() -> {
                pending.set(false);
                try {
                    reconcileAll();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "reconcile pass failed; retrying on the next event or in " + period, e);
                }
            });
        }
    }

    private void reconcileAll() {
        if (informer == null || !informer.hasSynced()) {
            return;
        }
        Node node = client.nodes().withName(nodeName).get();
        if (node == null) {
            LOG.warning(() -> "node " + nodeName + " not found: check NODE_NAME (downward API spec.nodeName)");
            return;
        }
        Map<String, String> labels = orEmpty(node.getMetadata().getLabels());
        Map<String, String> annotations = orEmpty(node.getMetadata().getAnnotations());
        List<SharedLibraryPool> selecting = informer.getStore().list().stream()
                .filter(p -> selects(p, labels))
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
        services.keySet().retainAll(selecting.stream().map(p -> p.getMetadata().getName()).toList());
        List<NodePoolState> states = new ArrayList<>();
        for (SharedLibraryPool pool : selecting) {
            states.add(service(pool).reconcile().state());
        }
        NodeKsmState ksmState = ksm.reconcile(selecting, labels, annotations, kubevirtKsmConfigured());
        NodePoolReportStatus status = new NodePoolReportStatus();
        status.setPools(states);
        status.setKsm(ksmState);
        writer.write(status);
        latest.set(status);
    }

    private PoolService service(SharedLibraryPool pool) {
        String name = pool.getMetadata().getName();
        Long generation = pool.getMetadata().getGeneration();
        if (!services.containsKey(name) || !Objects.equals(serviceGenerations.get(name), generation)) {
            services.put(name, PoolService.onHost(pool, "cluster", paths));
            serviceGenerations.put(name, generation);
        }
        return services.get(name);
    }

    /** A pool selects the node when every nodeSelector entry matches a node label; empty selects all. */
    static boolean selects(SharedLibraryPool pool, Map<String, String> nodeLabels) {
        Map<String, String> selector = pool.getSpec() == null ? null : pool.getSpec().getNodeSelector();
        return selector == null || selector.entrySet().stream().allMatch(e -> e.getValue().equals(nodeLabels.get(e.getKey())));
    }

    private static Map<String, String> orEmpty(Map<String, String> map) {
        return map == null ? Map.of() : map;
    }

    /** Whether the KubeVirt CR configures KubeVirt's own KSM handler (then libpool must not fight it). */
    private boolean kubevirtKsmConfigured() {
        try {
            return client.genericKubernetesResources("kubevirt.io/v1", "KubeVirt").inAnyNamespace().list().getItems()
                    .stream().anyMatch(kv -> kv.getAdditionalProperties().get("spec") instanceof Map<?, ?> spec
                            && spec.get("configuration") instanceof Map<?, ?> conf && conf.get("ksmConfiguration") != null);
        } catch (KubernetesClientException e) {
            LOG.fine(() -> "cannot read KubeVirt CRs (" + e.getMessage() + "); assuming no KubeVirt KSM handler");
            return false;
        }
    }
}
