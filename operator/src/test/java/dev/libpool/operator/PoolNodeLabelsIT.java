package dev.libpool.operator;

import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.kubetest.RequiresTestCluster;
import dev.libpool.operator.testing.PoolFixtures;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator labels the nodes that serve a pool (pool.libpool.dev/&lt;pool&gt;: "true") from their node reports on the
 * real API server of the tests, and removes the label when the node stops serving or the pool goes. The node and
 * report are written here as the kubelet and the node daemon would.
 */
@RequiresTestCluster
@QuarkusTest
@WithTestResource(TestClusterResource.class)
class PoolNodeLabelsIT {
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private static final String POOL = "it-label-" + RUN;
    private static final String NODE = "node-label-" + RUN;
    private static final String GONE = VmContract.nodeLabel("it-gone-" + RUN);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    KubernetesClient client;

    @AfterEach
    void cleanUp() {
        client.resources(NodePoolReport.class).withName(NODE).delete();
        client.resources(SharedLibraryPool.class).withName(POOL).delete();
        client.nodes().withName(NODE).delete();
    }

    @Test
    void theLabelFollowsTheNodesReportAndGoesWithThePool() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE)
                .withLabels(Map.of("kubernetes.io/hostname", NODE, GONE, "true")).endMetadata().build()).create();
        client.resource(PoolFixtures.pool(POOL)).create();
        NodePoolReport report = client.resource(PoolFixtures.report(NODE, List.of(state(null)))).create();
        writeStatus(report, List.of(state(null)));
        await().atMost(WAIT).untilAsserted(() -> assertThat(labels()).as("a label of a pool that does not exist goes")
                .doesNotContainKey(GONE).doesNotContainKey(VmContract.nodeLabel(POOL)));

        writeStatus(client.resources(NodePoolReport.class).withName(NODE).get(), List.of(state("sha256:1234")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(labels())
                .containsEntry(VmContract.nodeLabel(POOL), VmContract.NODE_LABEL_VALUE)
                .containsEntry("kubernetes.io/hostname", NODE));

        writeStatus(client.resources(NodePoolReport.class).withName(NODE).get(), List.of());
        await().atMost(WAIT).untilAsserted(() -> assertThat(labels()).as("the node stopped serving the pool")
                .doesNotContainKey(VmContract.nodeLabel(POOL)).containsEntry("kubernetes.io/hostname", NODE));

        writeStatus(client.resources(NodePoolReport.class).withName(NODE).get(), List.of(state("sha256:5678")));
        await().atMost(WAIT).untilAsserted(() -> assertThat(labels()).containsKey(VmContract.nodeLabel(POOL)));
        client.resources(SharedLibraryPool.class).withName(POOL).delete();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(client.resources(SharedLibraryPool.class).withName(POOL).get()).isNull();
            assertThat(labels()).doesNotContainKey(VmContract.nodeLabel(POOL)).containsEntry("kubernetes.io/hostname", NODE);
        });
    }

    private Map<String, String> labels() {
        Node node = client.nodes().withName(NODE).get();
        return node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    }

    /** The report's data lives in its status subresource, written as the node daemon writes it. */
    private void writeStatus(NodePoolReport report, List<NodePoolState> states) {
        report.getStatus().setNodeName(NODE);
        report.getStatus().getPools().clear();
        report.getStatus().getPools().addAll(states);
        client.resource(report).updateStatus();
    }

    private static NodePoolState state(String digest) {
        return PoolFixtures.state(POOL, digest);
    }
}
