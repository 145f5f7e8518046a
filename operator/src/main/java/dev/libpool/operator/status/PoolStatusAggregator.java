package dev.libpool.operator.status;

import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolStatus;
import dev.libpool.operator.kubevirt.KubeVirtCheck;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Builds a pool's whole status from the node reports, in one place (the Keycloak status-aggregator
 * pattern): the reconciler writes the result only when it differs from what is stored.
 */
public final class PoolStatusAggregator {
    private final Clock clock;

    public PoolStatusAggregator(Clock clock) {
        this.clock = clock;
    }

    /** The status from node reports alone (no VM counts, KubeVirt not checked). */
    public SharedLibraryPoolStatus aggregate(SharedLibraryPool pool, Collection<NodePoolReport> reports) {
        return aggregate(pool, reports, null, null);
    }

    /**
     * @param vms      the pool's VM counts, null when VMs were not looked at
     * @param kubevirt the KubeVirt check, null when not made
     */
    public SharedLibraryPoolStatus aggregate(SharedLibraryPool pool, Collection<NodePoolReport> reports,
                                             SharedLibraryPoolStatus.VmCounts vms, KubeVirtCheck.Result kubevirt) {
        String name = pool.getMetadata().getName();
        long generation = Optional.ofNullable(pool.getMetadata().getGeneration()).orElse(0L);
        List<NodeView> nodes = reports.stream()
                .map(report -> NodeView.of(report, name))
                .flatMap(Optional::stream)
                .sorted(Comparator.comparing(NodeView::node))
                .collect(Collectors.toList());

        List<NodeView> ready = nodes.stream().filter(n -> n.isReadyAt(generation)).collect(Collectors.toList());
        List<NodeView> failed = nodes.stream()
                .filter(n -> n.state().getState() == NodePoolState.State.Failed).collect(Collectors.toList());

        SharedLibraryPoolStatus status = new SharedLibraryPoolStatus();
        status.setObservedGeneration(generation);
        status.getNodes().setDesired(nodes.size());
        status.getNodes().setReady(ready.size());
        status.setVms(vms);
        status.setImage(newestImage(ready));
        status.setSavedBytes(nodes.stream().map(n -> n.state().getSavedBytes()).filter(Objects::nonNull)
                .mapToLong(Long::longValue).sum());

        ConditionSet conditions = new ConditionSet(pool.getStatus() == null ? null : pool.getStatus().getConditions(),
                generation, clock);
        conditions.set(SharedLibraryPoolStatus.READY, readyStatus(nodes, ready),
                readyReason(nodes, ready, failed), readyMessage(nodes, ready, failed));
        conditions.set(SharedLibraryPoolStatus.DEGRADED, failed.isEmpty() ? "False" : "True",
                failed.isEmpty() ? "AllNodesHealthy" : "NodesFailed", degradedMessage(failed));
        if (kubevirt != null) {
            conditions.set(SharedLibraryPoolStatus.KUBEVIRT_NOT_READY, kubevirt.ready() ? "False" : "True",
                    kubevirt.ready() ? "KubeVirtReady" : kubevirt.missingGates().isEmpty() ? "KubeVirtMissing"
                            : "FeatureGatesMissing", kubevirt.message());
        }
        status.setConditions(new ArrayList<>(conditions.all()));
        return status;
    }

    private static String readyStatus(List<NodeView> nodes, List<NodeView> ready) {
        return !nodes.isEmpty() && ready.size() == nodes.size() ? "True" : "False";
    }

    private static String readyReason(List<NodeView> nodes, List<NodeView> ready, List<NodeView> failed) {
        if (nodes.isEmpty()) {
            return "NoNodes";
        }
        if (ready.size() == nodes.size()) {
            return "PoolServing";
        }
        return failed.isEmpty() ? "Building" : "NodesFailed";
    }

    private static String readyMessage(List<NodeView> nodes, List<NodeView> ready, List<NodeView> failed) {
        if (nodes.isEmpty()) {
            return "No node daemon reports this pool yet: check that the node daemon runs and that spec.nodeSelector "
                    + "matches some node's labels.";
        }
        return ready.size() + "/" + nodes.size() + " nodes serve the current generation"
                + (failed.isEmpty() ? "." : "; failed: " + nodeList(failed) + ".");
    }

    private static String degradedMessage(List<NodeView> failed) {
        if (failed.isEmpty()) {
            return "No node reports a failure.";
        }
        return failed.stream()
                .map(n -> n.node() + ": " + n.state().getReason() + " - " + n.state().getMessage())
                .collect(Collectors.joining("; "));
    }

    private static String nodeList(List<NodeView> nodes) {
        return nodes.stream().map(NodeView::node).collect(Collectors.joining(", "));
    }

    /** Nodes may briefly serve different generations; the status shows the one most nodes serve. */
    private static ImageInfo newestImage(List<NodeView> ready) {
        return ready.stream()
                .map(n -> n.state().getImage())
                .filter(Objects::nonNull)
                .collect(Collectors.groupingBy(ImageInfo::getDigest, Collectors.toList()))
                .values().stream()
                .max(Comparator.<List<ImageInfo>>comparingInt(List::size)
                        .thenComparing(l -> l.get(0).getDigest()))
                .map(l -> l.get(0))
                .orElse(null);
    }

    /** One pool as one node reports it. */
    private record NodeView(String node, NodePoolState state) {
        static Optional<NodeView> of(NodePoolReport report, String pool) {
            if (report.getStatus() == null) {
                return Optional.empty();
            }
            return report.getStatus().getPools().stream()
                    .filter(p -> pool.equals(p.getName()))
                    .findFirst()
                    .map(p -> new NodeView(report.getMetadata().getName(), p));
        }

        boolean isReadyAt(long generation) {
            return state.getState() == NodePoolState.State.Ready
                    && Objects.equals(state.getObservedGeneration(), generation);
        }
    }
}
