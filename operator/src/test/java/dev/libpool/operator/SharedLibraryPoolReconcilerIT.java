package dev.libpool.operator;

import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.libpool.kubetest.RequiresTestCluster;
import dev.libpool.operator.testing.PoolFixtures;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The operator against the test cluster: the real API server of KUBECONFIG, or the local one built from Go
 * modules, with the committed CRDs installed.
 */
@RequiresTestCluster
@QuarkusTest
@WithTestResource(TestClusterResource.class)
class SharedLibraryPoolReconcilerIT {
    /** Unique per run: the server may be a shared, real one. */
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private static final String POOL = "it-libs-" + RUN;
    private static final String NODE = "node-it-" + RUN;

    @Inject
    KubernetesClient client;

    @AfterEach
    void cleanUp() {
        client.resources(NodePoolReport.class).withName(NODE).delete();
        client.resources(SharedLibraryPool.class).withName(POOL).delete();
    }

    @Test
    void nodeReportsBecomePoolStatus() {
        SharedLibraryPool pool = client.resource(PoolFixtures.pool(POOL)).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(readyReason()).isEqualTo("NoNodes"));

        // The report's data lives in its status subresource: create, then write the status, as the node daemon does.
        NodePoolReport report = report(pool.getMetadata().getGeneration());
        NodePoolReport created = client.resource(report).create();
        created.setStatus(report.getStatus());
        client.resource(created).updateStatus();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            SharedLibraryPool current = client.resources(SharedLibraryPool.class).withName(POOL).get();
            assertThat(readyReason()).isEqualTo("PoolServing");
            assertThat(current.getStatus().getConditions()).extracting(c -> c.getType())
                    .containsExactly("Ready", "Degraded", "KubeVirtNotReady");
            assertThat(current.getStatus().getNodes().getReady()).isEqualTo(1);
            assertThat(current.getStatus().getSavedBytes()).isEqualTo(4096L);
            assertThat(current.getStatus().getImage().getDigest()).isEqualTo("sha256:1234");
        });
    }

    private String readyReason() {
        SharedLibraryPool current = client.resources(SharedLibraryPool.class).withName(POOL).get();
        if (current == null || current.getStatus() == null) {
            return null;
        }
        return current.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Ready")).map(c -> c.getReason()).findFirst().orElse(null);
    }

    private static NodePoolReport report(Long generation) {
        NodePoolState state = new NodePoolState();
        state.setName(POOL);
        state.setState(NodePoolState.State.Ready);
        state.setObservedGeneration(generation == null ? 1L : generation);
        state.setSavedBytes(4096L);
        ImageInfo image = new ImageInfo();
        image.setDigest("sha256:1234");
        state.setImage(image);
        NodePoolReport report = new NodePoolReport();
        report.setMetadata(new ObjectMetaBuilder().withName(NODE).build());
        report.getStatus().setNodeName(NODE);
        report.getStatus().getPools().add(state);
        return report;
    }
}
