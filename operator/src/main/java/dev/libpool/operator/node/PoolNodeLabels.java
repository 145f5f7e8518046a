package dev.libpool.operator.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.VmContract;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import java.net.HttpURLConnection;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The node label {@code pool.libpool.dev/<pool>: "true"} ({@link VmContract#nodeLabel}) on exactly the nodes that
 * serve the pool, which patched VMs select: a VM is then never scheduled where its hostDisk directory is missing
 * (kubelet would keep its launcher pod in ContainerCreating). The operator sets it from the node reports, so the
 * node daemon's RBAC stays at its own report; a node serves a pool once its report lists the pool with an image (a
 * published generation; the last good one stays while a newer build fails). Labels of pools that no longer exist
 * are removed too. One JSON merge patch per node that needs a change; the node's other labels are not touched.
 */
public final class PoolNodeLabels {
    /** Writes null values: a merge patch removes a label by setting it to null. */
    private static final ObjectMapper MERGE = new ObjectMapper();
    private final KubernetesClient client;

    public PoolNodeLabels(KubernetesClient client) {
        this.client = client;
    }

    /**
     * The nodes that serve the pool. A report is named after its node: the chart's admission policy admits a
     * daemon's write only to the report of the node its token is bound to, so the name, not a status field, is used.
     */
    public static Set<String> serving(String pool, Collection<NodePoolReport> reports) {
        return reports.stream().filter(r -> r.getStatus() != null && r.getStatus().getPools().stream()
                        .anyMatch(p -> pool.equals(p.getName()) && published(p)))
                .map(r -> r.getMetadata().getName()).collect(Collectors.toCollection(TreeSet::new));
    }

    private static boolean published(NodePoolState state) {
        return state.getImage() != null && state.getImage().getDigest() != null;
    }

    /**
     * The label changes one node needs: key to "true" to add, to null to remove; empty when it is right.
     *
     * @param pool    the pool reconciled
     * @param serving the nodes that serve it (empty while it is being deleted)
     * @param pools   every pool that exists (not being deleted): labels of other pools are removed
     */
    public static Map<String, String> changes(Node node, String pool, Set<String> serving, Set<String> pools) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        Map<String, String> changes = new TreeMap<>();
        String key = VmContract.nodeLabel(pool);
        boolean wanted = serving.contains(node.getMetadata().getName());
        if (wanted && !VmContract.NODE_LABEL_VALUE.equals(labels.get(key))) {
            changes.put(key, VmContract.NODE_LABEL_VALUE);
        } else if (!wanted && labels.containsKey(key)) {
            changes.put(key, null);
        }
        labels.keySet().forEach(k -> VmContract.poolOfNodeLabel(k).filter(p -> !p.equals(pool) && !pools.contains(p))
                .ifPresent(p -> changes.put(k, null)));
        return changes;
    }

    /**
     * Labels the nodes for one pool.
     *
     * @return node name -> the changes written
     */
    public Map<String, Map<String, String>> sync(String pool, Set<String> serving, Collection<Node> nodes, Set<String> pools) {
        Map<String, Map<String, String>> written = new LinkedHashMap<>();
        for (Node node : nodes) {
            Map<String, String> changes = changes(node, pool, serving, pools);
            if (changes.isEmpty()) {
                continue;
            }
            try {
                client.nodes().withName(node.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON_MERGE),
                        MERGE.writeValueAsString(Map.of("metadata", Map.of("labels", changes))));
                written.put(node.getMetadata().getName(), changes);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write a label patch", e);
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) {
                    throw e; // a node deleted meanwhile needs no label
                }
            }
        }
        return written;
    }

    /** What {@link #sync} wrote, for an Event: "node-a +pool.libpool.dev/base, node-b -pool.libpool.dev/gone". */
    public static String describe(Map<String, Map<String, String>> written) {
        return written.entrySet().stream().map(n -> n.getKey() + " " + n.getValue().entrySet().stream()
                .map(l -> (l.getValue() == null ? "-" : "+") + l.getKey()).collect(Collectors.joining(" ")))
                .collect(Collectors.joining(", "));
    }

    /** The pools whose labels a node carries. */
    public static List<String> poolsOf(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels();
        return labels == null ? List.of() : labels.keySet().stream().map(VmContract::poolOfNodeLabel)
                .flatMap(java.util.Optional::stream).toList();
    }
}
