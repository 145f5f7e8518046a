package dev.libpool.node;

import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.ksm.KsmController;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.PoolService;
import dev.libpool.node.pool.PoolTeardown;
import dev.libpool.node.pool.StateLock;
import dev.libpool.node.pool.source.BackgroundReads;
import dev.libpool.node.pool.source.PoolSources;
import dev.libpool.node.report.NodeReportWriter;
import dev.libpool.node.report.ReportThrottle;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * change and periodically (measurements move), keeps the node's report for the metrics and writes it when it
 * changed enough ({@link ReportThrottle}).
 * One worker thread does everything, so pools, KSM and the report never race; only disk-image reads run on a
 * thread of their own ({@link BackgroundReads}), which asks for a pass when one ends.
 */
public final class NodeDaemon implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(NodeDaemon.class.getName());
    private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(2);
    /** Who claims the pools this daemon builds (see PoolService's ownerId). */
    private static final String OWNER = "cluster";

    private final KubernetesClient client;
    private final String nodeName;
    private final HostPaths paths;
    private final KsmController ksm;
    private final Duration period;
    private final NodeReportWriter writer;
    private final ReportThrottle throttle = new ReportThrottle();
    private final Natives natives = new JnaNatives();
    private final PoolTeardown teardown;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AtomicReference<NodePoolReportStatus> latest = new AtomicReference<>(new NodePoolReportStatus());
    /** Per pool name, the service of its current generation (it caches the verified digest). */
    private final Map<String, PoolService> services = new HashMap<>();
    private final Map<String, Long> serviceGenerations = new HashMap<>();
    /** Disk-image reads run here, off the pass: a slow or hostile image does not hold up the other pools. */
    private BackgroundReads reads;
    private SharedIndexInformer<SharedLibraryPool> informer;
    private SharedIndexInformer<Node> nodeInformer;

    public NodeDaemon(KubernetesClient client, String nodeName, HostPaths paths, KsmController ksm, Duration period) {
        this.client = client;
        this.nodeName = nodeName;
        this.paths = paths;
        this.ksm = ksm;
        this.period = period;
        this.writer = new NodeReportWriter(client, nodeName, Clock.systemUTC());
        this.teardown = new PoolTeardown(paths, natives);
    }

    /** Starts the informer and the periodic pass; returns at once. */
    public void start() throws IOException {
        reads = new BackgroundReads(paths.buildDir(), this::trigger);
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
        // This node only (a field selector on its name): its labels decide which pools select it.
        nodeInformer = client.nodes().withName(nodeName).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                trigger();
            }

            @Override
            public void onUpdate(Node old, Node node) {
                if (!Objects.equals(old.getMetadata().getLabels(), node.getMetadata().getLabels())) {
                    trigger();
                }
            }

            @Override
            public void onDelete(Node node, boolean finalStateUnknown) {
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
        if (nodeInformer != null) {
            nodeInformer.close();
        }
        if (reads != null) {
            reads.close();
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
        if (informer == null || !informer.hasSynced() || !nodeInformer.hasSynced()) {
            return;
        }
        Node node = nodeInformer.getStore().getByKey(nodeName);
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
        tearDownUnselected(selecting);
        NodeKsmState ksmState = ksm.reconcile(selecting, labels, annotations, kubevirtKsmConfigured());
        NodePoolReportStatus status = new NodePoolReportStatus();
        status.setPools(states);
        status.setKsm(ksmState);
        latest.set(status);
        Instant now = Instant.now();
        if (throttle.shouldWrite(status, now)) {
            writer.write(status);
            throttle.written(status, now);
        }
    }

    /** Pools this daemon built that no longer select the node go once no VM maps them (retried every pass). */
    private void tearDownUnselected(List<SharedLibraryPool> selecting) {
        List<String> wanted = selecting.stream().map(p -> p.getMetadata().getName()).toList();
        try (StateLock ignored = StateLock.acquire(paths, natives, Duration.ofSeconds(60))) {
            for (String name : teardown.owned(OWNER)) {
                if (!wanted.contains(name) && !teardown.tearDown(name)) {
                    LOG.fine(() -> "pool " + name + " no longer selects this node; a VM still maps it");
                }
            }
        } catch (Exception e) {
            LOG.log(Level.WARNING, "removing pools that no longer select this node failed; retrying next pass", e);
        }
    }

    private PoolService service(SharedLibraryPool pool) {
        String name = pool.getMetadata().getName();
        Long generation = pool.getMetadata().getGeneration();
        if (!services.containsKey(name) || !Objects.equals(serviceGenerations.get(name), generation)) {
            services.put(name, new PoolService(pool, OWNER, paths, natives, new ErofsImageBuilder(
                    ErofsImageBuilder.DEFAULT_MKFS), PoolSources.onHost(paths).readingIn(reads)));
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
