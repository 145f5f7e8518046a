package dev.libpool.operator;

import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolStatus;
import dev.libpool.operator.config.LibpoolConfig;
import dev.libpool.operator.daemon.NodeDaemonSets;
import dev.libpool.operator.events.EventRecorder;
import dev.libpool.operator.hook.HookConfigMaps;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import dev.libpool.operator.node.PoolNodeLabels;
import dev.libpool.operator.status.PoolStatusAggregator;
import dev.libpool.operator.vm.PoolVms;
import dev.libpool.operator.vm.VmConverger;
import dev.libpool.operator.vm.VmPatchPlan;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One pool: its VMs patched or unpatched, the shared node-daemon DaemonSet and the hook ConfigMaps kept in step
 * with all pools, and its status from node reports, VMs and KubeVirt. Deleting a pool first unpatches its VMs
 * (finalizer).
 */
@ControllerConfiguration(name = "sharedlibrarypool")
public class SharedLibraryPoolReconciler implements Reconciler<SharedLibraryPool>, Cleaner<SharedLibraryPool> {
    /** The DaemonSet and the hook ConfigMaps are shared by all pools: one reconcile at a time writes them. */
    private static final Object SHARED = new Object();
    private static final Duration CLEANUP_RETRY = Duration.ofSeconds(5);

    private final PoolStatusAggregator aggregator = new PoolStatusAggregator(Clock.systemUTC());
    private final LibpoolConfig config;
    private final EventRecorder events;
    private final OperatorMetrics metrics;
    private final PoolVms poolVms;
    private final NodeDaemonSets daemonSets;
    private final HookConfigMaps hookConfigMaps;
    private final PoolNodeLabels nodeLabels;
    private ClusterWatch watch;

    @Inject
    public SharedLibraryPoolReconciler(KubernetesClient client, LibpoolConfig config, MeterRegistry registry) {
        this.config = config;
        this.events = new EventRecorder(client);
        this.metrics = new OperatorMetrics(registry);
        this.poolVms = new PoolVms(new VmConverger(client), events, metrics);
        this.daemonSets = new NodeDaemonSets(client, config);
        this.hookConfigMaps = new HookConfigMaps(client);
        this.nodeLabels = new PoolNodeLabels(client);
    }

    @Override
    public List<EventSource<?, SharedLibraryPool>> prepareEventSources(EventSourceContext<SharedLibraryPool> context) {
        watch = new ClusterWatch(context);
        return watch.all();
    }

    @Override
    public UpdateControl<SharedLibraryPool> reconcile(SharedLibraryPool pool, Context<SharedLibraryPool> context) {
        Timer.Sample sample = metrics.start();
        boolean failed = true;
        try {
            KubeVirtCheck.Result kubevirt = KubeVirtCheck.check(watch.kubevirtCrs());
            Optional<String> sidecar = config.sidecarShimImage().or(kubevirt::sidecarShim);
            boolean mayAttach = kubevirt.ready() && sidecar.isPresent();
            if (!kubevirt.ready()) {
                events.record(pool, EventRecorder.Type.Warning, EventRecorder.Reason.KubeVirtNotReady, kubevirt.message());
            }
            String name = pool.getMetadata().getName();
            PoolVms.Result vms = poolVms.sync(name, watch.view(config.stateDir(), sidecar.orElse(""), Optional.empty()),
                    mayAttach);
            syncShared(name, vms, Optional.empty());
            SharedLibraryPoolStatus status = aggregator.aggregate(pool, context.getSecondaryResources(NodePoolReport.class),
                    vms.counts(), kubevirt);
            if (!status.equals(pool.getStatus())) {
                // A full status replace guarded by resourceVersion (a conflict retries with fresh data): merge patches
                // would need list-replace semantics that the mock API server of the tests does not implement.
                pool.setStatus(status);
                context.getClient().resource(pool).updateStatus();
            }
            failed = false;
            return UpdateControl.<SharedLibraryPool>noUpdate().rescheduleAfter(config.resyncPeriod());
        } finally {
            metrics.stop(sample, failed);
        }
    }

    @Override
    public DeleteControl cleanup(SharedLibraryPool pool, Context<SharedLibraryPool> context) {
        String name = pool.getMetadata().getName();
        // Its VMs lose the pool; a VM whose label moved to another pool may get that one in the same patch.
        Optional<String> sidecar = config.sidecarShimImage().or(KubeVirtCheck.check(watch.kubevirtCrs())::sidecarShim);
        PoolVms.Result vms = poolVms.sync(name, watch.view(config.stateDir(), sidecar.orElse(""), Optional.of(name)), true);
        syncShared(name, vms, Optional.of(name));
        if (!vms.namespaces().isEmpty()) {
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(CLEANUP_RETRY);
        }
        return DeleteControl.defaultDelete();
    }

    /**
     * The DaemonSet for the pools that exist, the pool's label on the nodes that serve it (and no label of a pool that
     * is gone), and a hook ConfigMap where VMs use a pool.
     */
    private void syncShared(String pool, PoolVms.Result synced, Optional<String> deleting) {
        synchronized (SHARED) {
            List<SharedLibraryPool> active = watch.activePools().stream()
                    .filter(p -> deleting.filter(p.getMetadata().getName()::equals).isEmpty())
                    .collect(Collectors.toList());
            daemonSets.sync(active);
            Set<String> serving = deleting.isPresent() ? Set.of() : PoolNodeLabels.serving(pool, watch.reports.list().toList());
            Map<String, Map<String, String>> labelled = nodeLabels.sync(pool, serving, watch.nodes.list().toList(),
                    active.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet()));
            watch.pool(pool).filter(p -> !labelled.isEmpty()).ifPresent(p -> events.record(p, EventRecorder.Type.Normal,
                    EventRecorder.Reason.NodeLabelsChanged, "node labels for pool scheduling (+ set, - removed): "
                            + PoolNodeLabels.describe(labelled)));
            Map<String, Set<String>> poolsByNamespace = new TreeMap<>();
            watch.vms.list().forEach(vm -> synced.written().getOrDefault(PoolVms.key(vm), PoolVms.recordedPoolOf(vm))
                    .ifPresent(p -> poolsByNamespace.computeIfAbsent(vm.getMetadata().getNamespace(), n -> new TreeSet<>()).add(p)));
            synced.namespaces().forEach(ns -> poolsByNamespace.computeIfAbsent(ns, n -> new TreeSet<>()).add(pool));
            deleting.ifPresent(d -> poolsByNamespace.values().forEach(s -> s.remove(d)));
            poolsByNamespace.values().removeIf(Set::isEmpty);
            Map<String, List<OwnerReference>> inUse = new TreeMap<>();
            poolsByNamespace.forEach((ns, names) -> inUse.put(ns, names.stream().map(watch::pool).flatMap(Optional::stream)
                    .map(SharedLibraryPoolReconciler::ownerOf).collect(Collectors.toList())));
            Set<String> formerInUse = watch.vms.list().filter(vm -> VmPatchPlan.usesFormerHookConfigMap(
                    Serialization.jsonMapper().valueToTree(vm))).map(vm -> vm.getMetadata().getNamespace())
                    .collect(Collectors.toSet());
            hookConfigMaps.sync(inUse, formerInUse);
        }
    }

    private static OwnerReference ownerOf(SharedLibraryPool pool) {
        return new OwnerReferenceBuilder().withApiVersion(pool.getApiVersion()).withKind(pool.getKind())
                .withName(pool.getMetadata().getName()).withUid(pool.getMetadata().getUid()).build();
    }
}
