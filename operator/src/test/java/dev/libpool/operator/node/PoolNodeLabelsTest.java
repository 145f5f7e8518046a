package dev.libpool.operator.node;

import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.operator.testing.PoolFixtures;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PoolNodeLabelsTest {

    @Test
    void aNodeServesAPoolOnceItsReportListsThePoolWithAnImage() {
        NodePoolReport a = report("node-a", state("base", "sha256:1"), state("other", null));
        NodePoolReport b = report("node-b", state("base", null));
        NodePoolReport c = report("node-c", state("other", "sha256:2"));
        NodePoolReport empty = report("node-d");
        empty.setStatus(null);
        assertThat(PoolNodeLabels.serving("base", List.of(a, b, c, empty))).containsExactly("node-a");
        assertThat(PoolNodeLabels.serving("other", List.of(a, b, c, empty))).containsExactly("node-c");
        assertThat(PoolNodeLabels.serving("none", List.of(a, b, c, empty))).isEmpty();
    }

    @Test
    void labelsFollowServingAndLabelsOfPoolsThatAreGoneAreRemoved() {
        String base = VmContract.nodeLabel("base");
        Node bare = node("node-a", Map.of("kubernetes.io/hostname", "node-a"));
        assertThat(PoolNodeLabels.changes(bare, "base", Set.of("node-a"), Set.of("base")))
                .containsExactly(Map.entry(base, "true"));
        assertThat(PoolNodeLabels.changes(bare, "base", Set.of("node-b"), Set.of("base"))).isEmpty();

        Node labelled = node("node-a", Map.of(base, "true", VmContract.nodeLabel("other"), "true",
                VmContract.nodeLabel("gone"), "true", "pool.libpool.dev/Not_A_Pool", "x"));
        Map<String, String> gone = new HashMap<>();
        gone.put(VmContract.nodeLabel("gone"), null);
        assertThat(PoolNodeLabels.changes(labelled, "base", Set.of("node-a"), Set.of("base", "other")))
                .as("only the label of a pool that no longer exists goes").isEqualTo(gone);
        Map<String, String> stopped = new HashMap<>(gone);
        stopped.put(base, null);
        assertThat(PoolNodeLabels.changes(labelled, "base", Set.of(), Set.of("other"))).isEqualTo(stopped);
        assertThat(PoolNodeLabels.changes(node("node-a", Map.of(base, "false")), "base", Set.of("node-a"), Set.of("base")))
                .containsExactly(Map.entry(base, "true"));
        assertThat(PoolNodeLabels.poolsOf(labelled)).containsExactlyInAnyOrder("base", "other", "gone");
    }

    static NodePoolReport report(String node, NodePoolState... states) {
        return PoolFixtures.report(node, List.of(states));
    }

    static NodePoolState state(String pool, String digest) {
        return PoolFixtures.state(pool, digest);
    }

    private static Node node(String name, Map<String, String> labels) {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
    }
}
