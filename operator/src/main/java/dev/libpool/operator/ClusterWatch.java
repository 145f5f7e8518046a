package dev.libpool.operator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.operator.node.PoolNodeLabels;
import dev.libpool.operator.vm.PoolVms;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The informers a pool reconcile reads, and which pools each change wakes: a VM wakes the pool its label names
 * and the pool its record names; a VMI the pool it maps (its size annotation); a namespace or the KubeVirt CR
 * every pool (selection and the KubeVirt check depend on them); a node report the pools it mentions; a node the
 * pools whose labels it carries.
 */
final class ClusterWatch {
    static final GroupVersionKind VM = new GroupVersionKind("kubevirt.io", "v1", "VirtualMachine");
    static final GroupVersionKind VMI = new GroupVersionKind("kubevirt.io", "v1", "VirtualMachineInstance");
    static final GroupVersionKind KUBEVIRT = new GroupVersionKind("kubevirt.io", "v1", "KubeVirt");

    final InformerEventSource<GenericKubernetesResource, SharedLibraryPool> vms;
    final InformerEventSource<GenericKubernetesResource, SharedLibraryPool> vmis;
    final InformerEventSource<GenericKubernetesResource, SharedLibraryPool> kubevirts;
    final InformerEventSource<Namespace, SharedLibraryPool> namespaces;
    final InformerEventSource<NodePoolReport, SharedLibraryPool> reports;
    final InformerEventSource<Node, SharedLibraryPool> nodes;
    private final IndexerResourceCache<SharedLibraryPool> pools;

    ClusterWatch(EventSourceContext<SharedLibraryPool> context) {
        pools = context.getPrimaryCache();
        vms = new InformerEventSource<>(InformerEventSourceConfiguration.from(VM, SharedLibraryPool.class)
                .withName("vms").withSecondaryToPrimaryMapper(this::poolsOfVm).build(), context);
        vmis = new InformerEventSource<>(InformerEventSourceConfiguration.from(VMI, SharedLibraryPool.class)
                .withName("vmis").withSecondaryToPrimaryMapper(ClusterWatch::poolsOfVmi).build(), context);
        kubevirts = new InformerEventSource<>(InformerEventSourceConfiguration.from(KUBEVIRT, SharedLibraryPool.class)
                .withName("kubevirts").withSecondaryToPrimaryMapper(k -> allPools()).build(), context);
        namespaces = new InformerEventSource<>(InformerEventSourceConfiguration.from(Namespace.class, SharedLibraryPool.class)
                .withName("namespaces").withSecondaryToPrimaryMapper(n -> allPools()).build(), context);
        // A node wakes the pools whose labels it carries (a label removed by hand comes back at the next report
        // change or resync): mapping every node heartbeat to every pool would reconcile all pools all the time.
        nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, SharedLibraryPool.class)
                .withName("nodes").withSecondaryToPrimaryMapper(ClusterWatch::poolsOf).build(), context);
        reports = new InformerEventSource<>(InformerEventSourceConfiguration.from(NodePoolReport.class, SharedLibraryPool.class)
                .withName("reports").withSecondaryToPrimaryMapper(this::poolsOfReport).build(), context);
    }

    List<EventSource<?, SharedLibraryPool>> all() {
        return List.of(vms, vmis, kubevirts, namespaces, reports, nodes);
    }

    List<SharedLibraryPool> activePools() {
        return pools.list().filter(p -> p.getMetadata().getDeletionTimestamp() == null).collect(Collectors.toList());
    }

    Optional<SharedLibraryPool> pool(String name) {
        return pools.get(new ResourceID(name));
    }

    Map<String, String> namespaceLabels(String namespace) {
        return namespaces.get(new ResourceID(namespace)).map(n -> n.getMetadata().getLabels()).orElse(Map.of());
    }

    List<JsonNode> kubevirtCrs() {
        return kubevirts.list().map(k -> (JsonNode) Serialization.jsonMapper().valueToTree(k)).collect(Collectors.toList());
    }

    PoolVms.View view(String stateDir, String sidecarImage, Optional<String> excludedPool) {
        return new PoolVms.View(vms.list().collect(Collectors.toList()), vmis.list().collect(Collectors.toList()),
                this::namespaceLabels, name -> excludedPool.filter(name::equals).isPresent() ? Optional.empty() : pool(name),
                stateDir, sidecarImage);
    }

    private Set<ResourceID> allPools() {
        return pools.list().map(ResourceID::fromResource).collect(Collectors.toSet());
    }

    /** A VM naming a pool that does not exist wakes every pool, so that one of them reports it. */
    private Set<ResourceID> poolsOfVm(GenericKubernetesResource vm) {
        Set<ResourceID> ids = new HashSet<>();
        Map<String, String> labels = vm.getMetadata().getLabels();
        String wanted = labels == null ? null : labels.get(VmContract.POOL_LABEL);
        if (wanted != null) {
            ResourceID id = new ResourceID(wanted);
            if (VmContract.isPoolName(wanted) && pools.get(id).isPresent()) {
                ids.add(id);
            } else {
                ids.addAll(allPools());
            }
        }
        Map<String, String> annotations = vm.getMetadata().getAnnotations();
        String record = annotations == null ? null : annotations.get(VmContract.RECORD_ANNOTATION);
        if (record != null) {
            try {
                String pool = Serialization.jsonMapper().readTree(record).path("pool").asText(null);
                if (VmContract.isPoolName(pool)) {
                    ids.add(new ResourceID(pool));
                }
            } catch (Exception e) {
                // an unreadable record is reported by the reconcile of the labelled pool
            }
        }
        return ids;
    }

    static Set<ResourceID> poolsOfVmi(GenericKubernetesResource vmi) {
        Map<String, String> annotations = vmi.getMetadata().getAnnotations();
        if (annotations == null) {
            return Set.of();
        }
        return annotations.keySet().stream().filter(k -> k.startsWith(VmContract.SIZE_ANNOTATION_PREFIX))
                .map(k -> k.substring(VmContract.SIZE_ANNOTATION_PREFIX.length()))
                .filter(VmContract::isPoolName).map(ResourceID::new).collect(Collectors.toSet());
    }

    static Set<ResourceID> poolsOf(NodePoolReport report) {
        if (report.getStatus() == null) {
            return Set.of();
        }
        return report.getStatus().getPools().stream().map(p -> new ResourceID(p.getName())).collect(Collectors.toSet());
    }

    /** The pools a report mentions and those labelled on its node: a pool dropped from the report must unlabel it. */
    private Set<ResourceID> poolsOfReport(NodePoolReport report) {
        Set<ResourceID> ids = new HashSet<>(poolsOf(report));
        nodes.get(new ResourceID(report.getMetadata().getName())).ifPresent(n -> ids.addAll(poolsOf(n)));
        return ids;
    }

    static Set<ResourceID> poolsOf(Node node) {
        return PoolNodeLabels.poolsOf(node).stream().map(ResourceID::new).collect(Collectors.toSet());
    }
}
