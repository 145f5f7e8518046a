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
import dev.libpool.kubetest.TestCluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cluster mode against the {@link TestCluster} (the real API server of KUBECONFIG, or the local one built from
 * Go modules), building a real pool on this host as root: only the pool whose nodeSelector matches the node is
 * built and reported. Node, pool and report names are unique per run and deleted afterwards. KSM stays
 * observe-only (Unmanaged) here.
 */
class NodeDaemonIT {
    private final String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private final String node = "it-worker-" + run;
    private final String selected = "it-selected-" + run;
    private final String elsewhere = "it-elsewhere-" + run;

    private KubernetesClient client;
    private Path dir;

    @BeforeEach
    void cluster() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        TestCluster cluster = TestCluster.get();
        System.out.println("NodeDaemonIT: " + cluster.description());
        client = cluster.client();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
                .withLabels(Map.of("libpool-it", run)).endMetadata().build()).create();
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-daemon-");
        RootHost.libraryRoot(dir.resolve("src"), 10);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.resources(SharedLibraryPool.class).withName(selected).delete();
            client.resources(SharedLibraryPool.class).withName(elsewhere).delete();
            client.resources(NodePoolReport.class).withName(node).delete();
            client.nodes().withName(node).delete();
        }
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void buildsThePoolsThatSelectTheNodeAndWritesTheReport() throws Exception {
        client.resources(SharedLibraryPool.class).resource(pool(selected, Map.of("libpool-it", run))).create();
        client.resources(SharedLibraryPool.class).resource(pool(elsewhere, Map.of("libpool-it", "other"))).create();
        HostPaths paths = new HostPaths(Path.of("/"), dir.resolve("state").toString());
        KsmController ksm = new KsmController(KsmPaths.defaults(dir.resolve("state")));
        try (NodeDaemon daemon = new NodeDaemon(client, node, paths, ksm, Duration.ofSeconds(2))) {
            daemon.start();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                NodePoolReport report = client.resources(NodePoolReport.class).withName(node).get();
                assertThat(report).isNotNull();
                // on a shared cluster, pools of others that select every node may be reported too
                assertThat(report.getStatus().getPools()).extracting(NodePoolState::getName).doesNotContain(elsewhere);
                assertThat(report.getStatus().getPools()).filteredOn(p -> p.getName().equals(selected)).singleElement().satisfies(p -> {
                    assertThat(p.getState()).as(p.getMessage()).isEqualTo(NodePoolState.State.Ready);
                    assertThat(p.getImage().getLibraryCount()).isEqualTo(10);
                });
                assertThat(report.getStatus().getKsm()).isNotNull();
            });
            assertThat(PrometheusExporter.render(daemon.latest())).contains("libpool_pool_library_count{pool=\"" + selected + "\"} 10");
            assertThat(dir.resolve("state/pools/" + selected + "/pool.img")).exists();

            // the node's label changes: the pool no longer selects it, and as nothing maps it, it goes
            client.nodes().withName(node).edit(n -> {
                n.getMetadata().getLabels().put("libpool-it", "no");
                return n;
            });
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(dir.resolve("state/pools/" + selected)).doesNotExist();
                assertThat(client.resources(NodePoolReport.class).withName(node).get().getStatus().getPools())
                        .extracting(NodePoolState::getName).doesNotContain(selected);
            });
        }
        assertThat(dir.resolve("state/pools/" + elsewhere)).doesNotExist();
    }

    @Test
    void aHostileDiskImageIsReadOffThePassWhileTheOtherPoolIsServed() throws Exception {
        // 210,000 hard links (over the read's entry budget), spread over directories for mke2fs -d
        Path root = Files.createDirectories(dir.resolve("hostile/usr/lib/many"));
        Path[] targets = new Path[4];
        for (int f = 0; f < targets.length; f++) {
            targets[f] = Files.writeString(root.resolve("h" + f), "x");
        }
        for (int d = 0; d < 700; d++) {
            Path sub = Files.createDirectory(root.resolve("d" + d));
            for (int i = 0; i < 300; i++) {
                Files.createLink(sub.resolve("h" + i), targets[(d * 300 + i) % targets.length]);
            }
        }
        Path image = dir.resolve("hostile.raw");
        run("truncate", "-s", "160M", image.toString());
        run("mke2fs", "-q", "-F", "-t", "ext4", "-d", dir.resolve("hostile").toString(), image.toString());
        PoolSource disk = PoolSource.diskImage(image.toString());
        // "elsewhere" sorts before "selected": the hostile pool's read starts first in every pass
        client.resources(SharedLibraryPool.class).resource(pool(elsewhere, Map.of("libpool-it", run), disk)).create();
        client.resources(SharedLibraryPool.class).resource(pool(selected, Map.of("libpool-it", run))).create();
        HostPaths paths = new HostPaths(Path.of("/"), dir.resolve("state").toString());
        KsmController ksm = new KsmController(KsmPaths.defaults(dir.resolve("state")));
        try (NodeDaemon daemon = new NodeDaemon(client, node, paths, ksm, Duration.ofSeconds(2))) {
            daemon.start();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                List<NodePoolState> pools = daemon.latest().getPools();
                assertThat(pools).filteredOn(p -> p.getName().equals(selected)).singleElement()
                        .satisfies(p -> assertThat(p.getState()).as(p.getMessage()).isEqualTo(NodePoolState.State.Ready));
                assertThat(pools).filteredOn(p -> p.getName().equals(elsewhere)).singleElement().satisfies(p -> {
                    assertThat(p.getState()).as(p.getMessage()).isEqualTo(NodePoolState.State.Building);
                    assertThat(p.getReason()).isEqualTo("DiskImageReading");
                });
            });
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() ->
                    assertThat(daemon.latest().getPools()).filteredOn(p -> p.getName().equals(elsewhere)).singleElement()
                            .satisfies(p -> assertThat(p.getReason()).as(p.getMessage()).isEqualTo("DiskImageOverBudget")));
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    private SharedLibraryPool pool(String name, Map<String, String> nodeSelector) {
        PoolSource src = new PoolSource();
        src.setHostPath(new HostPathSource(dir.resolve("src").toString()));
        return pool(name, nodeSelector, src);
    }

    private SharedLibraryPool pool(String name, Map<String, String> nodeSelector, PoolSource src) {
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
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
