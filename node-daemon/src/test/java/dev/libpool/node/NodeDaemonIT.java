package dev.libpool.node;

import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.ksm.KsmController;
import dev.libpool.node.ksm.KsmPaths;
import dev.libpool.node.report.PrometheusExporter;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cluster mode against the Fabric8 mock API server in CRUD mode (with the CRDs of the crds module), building a
 * real pool on this host as root: only the pool whose nodeSelector matches the node is built and reported.
 * KSM stays observe-only (Unmanaged) here.
 */
class NodeDaemonIT {

    private KubernetesMockServer server;
    private KubernetesClient client;
    private Path dir;

    @BeforeEach
    void cluster() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        System.out.println("NodeDaemonIT: Fabric8 mock API server in CRUD mode");
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(List.of()), true);
        server.init();
        client = server.createClient();
        for (String crd : List.of("sharedlibrarypools", "nodepoolreports")) {
            client.apiextensions().v1().customResourceDefinitions()
                    .load(Path.of("../crds/" + crd + ".libpool.dev-v1.yml").toFile()).create();
        }
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("worker-1")
                .withLabels(Map.of("pool", "yes")).endMetadata().build()).create();
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-daemon-");
        RootHost.libraryRoot(dir.resolve("src"), 10);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
            server.destroy();
        }
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void buildsThePoolsThatSelectTheNodeAndWritesTheReport() throws Exception {
        client.resources(SharedLibraryPool.class).resource(pool("selected", Map.of("pool", "yes"))).create();
        client.resources(SharedLibraryPool.class).resource(pool("elsewhere", Map.of("pool", "other"))).create();
        HostPaths paths = new HostPaths(Path.of("/"), dir.resolve("state").toString());
        KsmController ksm = new KsmController(KsmPaths.defaults(dir.resolve("state")));
        try (NodeDaemon daemon = new NodeDaemon(client, "worker-1", paths, ksm, Duration.ofSeconds(2))) {
            daemon.start();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                NodePoolReport report = client.resources(NodePoolReport.class).withName("worker-1").get();
                assertThat(report).isNotNull();
                assertThat(report.getStatus().getPools()).singleElement().satisfies(p -> {
                    assertThat(p.getName()).isEqualTo("selected");
                    assertThat(p.getState()).as(p.getMessage()).isEqualTo(NodePoolState.State.Ready);
                    assertThat(p.getImage().getLibraryCount()).isEqualTo(10);
                });
                assertThat(report.getStatus().getKsm()).isNotNull();
            });
            assertThat(PrometheusExporter.render(daemon.latest())).contains("libpool_pool_library_count{pool=\"selected\"} 10");
            assertThat(dir.resolve("state/pools/selected/pool.img")).exists();

            // the node's label changes: the pool no longer selects it, and as nothing maps it, it goes
            client.nodes().withName("worker-1").edit(n -> {
                n.getMetadata().getLabels().put("pool", "no");
                return n;
            });
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(dir.resolve("state/pools/selected")).doesNotExist();
                assertThat(client.resources(NodePoolReport.class).withName("worker-1").get().getStatus().getPools()).isEmpty();
            });
        }
        assertThat(dir.resolve("state/pools/elsewhere")).doesNotExist();
    }

    private SharedLibraryPool pool(String name, Map<String, String> nodeSelector) {
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
        PoolSource src = new PoolSource();
        src.setHostPath(new HostPathSource(dir.resolve("src").toString()));
        spec.setSource(src);
        spec.setMaxSize(new Quantity("32Mi"));
        spec.setNodeSelector(nodeSelector);
        spec.setNamespaceSelector(new LabelSelector());
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
        pool.setSpec(spec);
        return pool;
    }
}
