package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolStatus;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.operator.events.EventRecorder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One pool's VMs: every VM that names the pool in its label or carries libpool's record of it is brought to
 * what its own label asks for (so a VM that moves from pool A to pool B is handled the same by either pool's
 * reconcile), then counted for the pool's status.
 */
public final class PoolVms {
    static final int MAX_REFUSALS = 20;

    private final VmConverger converger;
    private final EventRecorder events;
    private final VmMetrics metrics;

    public PoolVms(VmConverger converger, EventRecorder events, VmMetrics metrics) {
        this.converger = converger;
        this.events = events;
        this.metrics = metrics;
    }

    /** What the cluster looks like to one reconcile (informer caches). */
    public record View(Collection<GenericKubernetesResource> vms, Collection<GenericKubernetesResource> vmis,
                       Function<String, Map<String, String>> namespaceLabels,
                       Function<String, Optional<SharedLibraryPool>> pools, String stateDir, String sidecarImage) {
    }

    /**
     * @param pool    the pool being reconciled
     * @param view    the cluster
     * @param mayAttach false while KubeVirt cannot run pool VMs: then no VM is attached, and none detached
     *                  either (unless its pool is gone), so nothing flaps while the admin fixes KubeVirt
     */
    public Result sync(String pool, View view, boolean mayAttach) {
        SharedLibraryPoolStatus.VmCounts counts = new SharedLibraryPoolStatus.VmCounts();
        Set<String> namespaces = new TreeSet<>();
        List<String> refusals = new ArrayList<>();
        Map<String, Optional<String>> written = new HashMap<>();
        for (GenericKubernetesResource vm : view.vms()) {
            if (!concerns(vm, pool)) {
                reportMissingPool(vm, view);
                continue;
            }
            if (!mayAttach && view.pools().apply(pool).isPresent()) {
                countExisting(vm, pool, view, counts, namespaces);
                continue;
            }
            // The selection of the VM as last read (a conflict re-reads it, and its label may have changed).
            AtomicReference<Optional<VmSelection.Result>> selection = new AtomicReference<>(Optional.empty());
            VmConverger.Outcome outcome = converger.converge(vm, json -> {
                selection.set(select(json, vm.getMetadata().getNamespace(), view));
                return selection.get().flatMap(VmSelection.Result::pool)
                        .map(p -> Attachment.of(p, view.stateDir(), view.sidecarImage()));
            });
            if (outcome.vm() == null) {
                events.forget(vm);
                written.put(key(vm), Optional.empty());
                continue;
            }
            Optional<Refusal> refusal = selection.get().flatMap(VmSelection.Result::refusal).or(() -> outcome.plan().refusal());
            boolean wantsThis = selection.get().filter(r -> pool.equals(r.wanted())).isPresent();
            if (wantsThis && selection.get().get().refusal().isEmpty()) {
                counts.setSelected(counts.getSelected() + 1);
            }
            if (wantsThis && refusal.isPresent()) {
                refusals.add(vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName() + ": "
                        + refusal.get().reason() + ": " + refusal.get().message());
                events.record(outcome.vm(), EventRecorder.Type.Warning, eventReason(refusal.get()), refusal.get().message());
            }
            if (outcome.wrote()) {
                recordWrite(pool, outcome);
                written.put(key(vm), recordedPool(outcome.vm()));
            }
            countExisting(outcome.vm(), pool, view, counts, namespaces);
        }
        counts.setRefusals(refusals.stream().sorted().limit(MAX_REFUSALS).toList());
        counts.setRefused(refusals.size());
        return new Result(counts, namespaces, written);
    }

    /** namespace/name of a VM. */
    public static String key(GenericKubernetesResource vm) {
        return vm.getMetadata().getNamespace() + "/" + vm.getMetadata().getName();
    }

    /** A VM naming a pool that does not exist has no reconcile of its own: every pool's tells it once. */
    private void reportMissingPool(GenericKubernetesResource vm, View view) {
        Map<String, String> labels = vm.getMetadata().getLabels();
        String wanted = labels == null ? null : labels.get(VmContract.POOL_LABEL);
        if (wanted != null && recordedPool(vm).isEmpty() && (!VmContract.isPoolName(wanted) || view.pools().apply(wanted).isEmpty())) {
            VmSelection.select(labels, vm.getMetadata().getNamespace(), Map.of(), view.pools())
                    .flatMap(VmSelection.Result::refusal)
                    .ifPresent(r -> events.record(vm, EventRecorder.Type.Warning, eventReason(r), r.message()));
        }
    }

    private void recordWrite(String pool, VmConverger.Outcome outcome) {
        boolean attached = isPatchedFor(outcome.vm(), pool);
        metrics.patched(attached);
        if (attached) {
            events.record(outcome.vm(), EventRecorder.Type.Normal, EventRecorder.Reason.VmAttached, "pool " + pool
                    + " added to the VM template; it attaches at the VM's next start");
        } else if (outcome.plan().patchedWith().filter(pool::equals).isPresent()) {
            events.record(outcome.vm(), EventRecorder.Type.Normal, EventRecorder.Reason.VmDetached, "pool "
                    + pool + " removed from the VM template; the VM uses its own libraries from its next start");
        }
    }

    private static Optional<VmSelection.Result> select(JsonNode vm, String namespace, View view) {
        Map<String, String> labels = new HashMap<>();
        vm.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return VmSelection.select(labels, namespace, view.namespaceLabels().apply(namespace), view.pools());
    }

    private static void countExisting(GenericKubernetesResource vm, String pool, View view,
                                      SharedLibraryPoolStatus.VmCounts counts, Set<String> namespaces) {
        if (!isPatchedFor(vm, pool)) {
            return;
        }
        namespaces.add(vm.getMetadata().getNamespace());
        Optional<GenericKubernetesResource> vmi = view.vmis().stream()
                .filter(i -> Objects.equals(i.getMetadata().getNamespace(), vm.getMetadata().getNamespace())
                        && Objects.equals(i.getMetadata().getName(), vm.getMetadata().getName()))
                .findFirst();
        boolean running = vmi.isPresent();
        boolean mapsPool = vmi.map(i -> hasVolume(Json.MAPPER.valueToTree(i), VmContract.volumeName(pool))).orElse(false);
        if (mapsPool) {
            counts.setAttached(counts.getAttached() + 1);
        } else if (running || restartRequired(vm)) {
            counts.setPendingRestart(counts.getPendingRestart() + 1);
        }
    }

    static boolean concerns(GenericKubernetesResource vm, String pool) {
        Map<String, String> labels = vm.getMetadata().getLabels();
        return labels != null && pool.equals(labels.get(VmContract.POOL_LABEL)) || recordedPool(vm).filter(pool::equals).isPresent();
    }

    static boolean isPatchedFor(GenericKubernetesResource vm, String pool) {
        return recordedPool(vm).filter(pool::equals).isPresent();
    }

    /** The pool libpool's record on the VM names, if any. */
    public static Optional<String> recordedPoolOf(GenericKubernetesResource vm) {
        return recordedPool(vm);
    }

    static Optional<String> recordedPool(GenericKubernetesResource vm) {
        try {
            return PatchRecord.read(Json.MAPPER.valueToTree(vm)).map(PatchRecord::pool);
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static Map<String, String> annotations(GenericKubernetesResource r) {
        return r.getMetadata().getAnnotations() == null ? Map.of() : r.getMetadata().getAnnotations();
    }

    private static boolean hasVolume(JsonNode vmi, String volume) {
        return Json.named(vmi, "/spec/volumes", volume).isPresent();
    }

    /** KubeVirt sets the VM condition RestartRequired when the template changed under a running VMI. */
    private static boolean restartRequired(GenericKubernetesResource vm) {
        JsonNode conditions = Json.MAPPER.valueToTree(vm).path("status").path("conditions");
        for (JsonNode c : conditions) {
            if ("RestartRequired".equals(c.path("type").asText()) && "True".equals(c.path("status").asText())) {
                return true;
            }
        }
        return false;
    }

    private static EventRecorder.Reason eventReason(Refusal refusal) {
        return switch (refusal.reason()) {
            case PoolMissing -> EventRecorder.Reason.PoolMissing;
            case NamespaceNotAllowed -> EventRecorder.Reason.NamespaceNotAllowed;
            default -> EventRecorder.Reason.VmRefused;
        };
    }

    /**
     * @param counts     the pool's VM counts for its status
     * @param namespaces namespaces where a VM carries this pool
     * @param written    VMs this sync wrote (or found deleted), by {@link #key}: the pool each now carries; newer
     *                   than the informer cache, which sees the writes a moment later
     */
    public record Result(SharedLibraryPoolStatus.VmCounts counts, Set<String> namespaces,
                         Map<String, Optional<String>> written) {
    }
}
