package dev.libpool.node.report;

import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.kubetest.TestCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Against the {@link TestCluster} (the real API server of KUBECONFIG, or the local one built from Go modules).
 * The node name is unique per run, and the object is deleted afterwards.
 */
class NodeReportWriterIT {

    private KubernetesClient client;
    private final String node = "it-node-" + Long.toHexString(System.nanoTime());
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-26T07:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void connect() {
        TestCluster cluster = TestCluster.get();
        System.out.println("NodeReportWriterIT: " + cluster.description());
        client = cluster.client();
    }

    @AfterEach
    void deleteReport() {
        if (client != null) {
            client.resources(NodePoolReport.class).withName(node).delete();
        }
    }

    @Test
    void createsTheReportNamedAfterTheNodeThenReplacesItsStatus() {
        NodeReportWriter writer = new NodeReportWriter(client, node, clock);
        writer.write(status(pool("base", NodePoolState.State.Building, "Building"), pool("extra", NodePoolState.State.Ready, null)));

        NodePoolReport first = client.resources(NodePoolReport.class).withName(node).get();
        assertThat(first.getMetadata().getLabels()).containsEntry(NodeReportWriter.NODE_LABEL, node);
        assertThat(first.getStatus().getNodeName()).isEqualTo(node);
        assertThat(first.getStatus().getUpdateTime()).isEqualTo("2026-11-26T07:00:00Z");
        assertThat(first.getStatus().getPools()).extracting(NodePoolState::getName).containsExactly("base", "extra");

        writer.write(status(pool("base", NodePoolState.State.Ready, null)));
        NodePoolReport second = client.resources(NodePoolReport.class).withName(node).get();
        assertThat(second.getStatus().getPools()).singleElement().satisfies(p -> {
            assertThat(p.getState()).isEqualTo(NodePoolState.State.Ready);
            assertThat(p.getReason()).as("a status update replaces, a merge would keep the old reason").isNull();
        });
        assertThat(client.resources(NodePoolReport.class).list().getItems()).filteredOn(r -> r.getMetadata().getName().equals(node)).hasSize(1);
    }

    private static NodePoolReportStatus status(NodePoolState... pools) {
        NodePoolReportStatus s = new NodePoolReportStatus();
        s.setPools(List.of(pools));
        return s;
    }

    private static NodePoolState pool(String name, NodePoolState.State state, String reason) {
        NodePoolState p = new NodePoolState();
        p.setName(name);
        p.setState(state);
        p.setReason(reason);
        return p;
    }
}
