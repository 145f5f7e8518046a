package dev.libpool.kubetest;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one Kubernetes API server every module's cluster tests use, once per JVM, with the committed libpool
 * CRDs (crds/*.yml) and KubeVirt's VirtualMachine, VirtualMachineInstance and KubeVirt CRDs installed:
 * <ol>
 * <li>KUBECONFIG set: that cluster (KubeVirt's CRDs are only created where missing);</li>
 * <li>else the kube-apiserver + etcd that {@code ./libpool apiserver} built from Go modules, started here;</li>
 * <li>else the test is skipped, saying what is missing and the command that fixes it.</li>
 * </ol>
 * A test calls {@link #get()} (a JUnit assumption) and uses {@link #client()}; it must not close that client.
 */
public final class TestCluster {
    /** The extra a projected service account token of a pod carries: the node the pod runs on. */
    public static final String NODE_NAME_EXTRA = "authentication.kubernetes.io/node-name";

    private static TestCluster instance;
    private static RuntimeException failure;
    private static boolean skipSaid;

    private final Config config;
    private final KubernetesClient client;
    private final String description;
    private final boolean local;
    /** The local server's: its admin kubeconfig (YAML) and audit log; null for the cluster of KUBECONFIG. */
    private final LocalControlPlane plane;
    private Path kubeconfigFile;

    private TestCluster(Config config, String description, LocalControlPlane plane) {
        this.config = config;
        this.client = new KubernetesClientBuilder().withConfig(config).build();
        this.description = description;
        this.local = plane != null;
        this.plane = plane;
    }

    /**
     * The cluster, connected and prepared on first use; skips the calling test when there is none. A server that
     * was found but failed to start is an error, not a reason to skip.
     */
    public static synchronized TestCluster get() {
        Optional<String> reason = unavailableReason();
        Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElseThrow());
        if (instance == null && failure == null) {
            try {
                connect();
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return instance;
    }

    /**
     * Why there is no cluster to test against and how to get one, if there is none (said on the console once,
     * since surefire only counts skipped tests there); starts nothing.
     */
    public static synchronized Optional<String> unavailableReason() {
        if (kubeconfig().isPresent()) {
            return Optional.empty();
        }
        Optional<String> reason = LocalControlPlane.missing(LocalControlPlane.binDir(Repository.find().kubeVersion()))
                .map(missing -> "no Kubernetes API server: KUBECONFIG is unset and " + missing + ". Run "
                        + LocalControlPlane.BUILD_COMMAND + " (needs Go >= 1.24 and the Go module proxy; "
                        + "./libpool test does it) or set KUBECONFIG to a test cluster.");
        if (reason.isPresent() && !skipSaid) {
            System.out.println("TestCluster: skipping the cluster tests: " + reason.get());
            skipSaid = true;
        }
        return reason;
    }

    private static Optional<String> kubeconfig() {
        return Optional.ofNullable(System.getenv("KUBECONFIG")).filter(k -> !k.isBlank());
    }

    private static void connect() {
        long start = System.nanoTime();
        Repository repo = Repository.find();
        if (kubeconfig().isPresent()) {
            instance = new TestCluster(Config.autoConfigure(null), "the cluster of KUBECONFIG=" + kubeconfig().get(), null);
        } else {
            String version = repo.kubeVersion();
            Path bin = LocalControlPlane.binDir(version);
            LocalControlPlane plane = LocalControlPlane.start(bin, version);
            instance = new TestCluster(Config.fromKubeconfig(plane.kubeconfig()),
                    "a local kube-apiserver v" + version + " + etcd from " + bin, plane);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                instance.client.close();
                plane.close();
            }, "libpool-test-cluster-stop"));
        }
        CrdInstaller installer = new CrdInstaller(instance.client);
        installer.apply(repo.libpoolCrds());
        List<String> created = installer.createMissing(KubevirtCrds.fromBundledSwagger());
        System.out.printf("TestCluster: %s, ready with the libpool CRDs and KubeVirt's (%s) in %.1f s%n",
                instance.description, created.isEmpty() ? "already there" : "created " + String.join(", ", created),
                (System.nanoTime() - start) / 1e9);
    }

    /** The shared client of the cluster admin. Closed when the JVM exits; do not close it. */
    public KubernetesClient client() {
        return client;
    }

    /** A copy of the admin's connection settings, for code that builds its own client (e.g. a Quarkus app). */
    public Config config() {
        return new ConfigBuilder(config).build();
    }

    /**
     * What a process of its own (the operator's jar) sets KUBECONFIG to, to reach this cluster as its admin:
     * KUBECONFIG itself, or the local server's admin kubeconfig written to a file once (deleted when the JVM exits).
     */
    public synchronized String kubeconfigForProcess() {
        if (plane == null) {
            return kubeconfig().orElseThrow();
        }
        if (kubeconfigFile == null) {
            try {
                kubeconfigFile = Files.createTempFile("libpool-test-kubeconfig", ".yaml");
                Files.writeString(kubeconfigFile, plane.kubeconfig());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            kubeconfigFile.toFile().deleteOnExit();
        }
        return kubeconfigFile.toString();
    }

    /**
     * The write requests the server receives from now on, when it is the local server (its audit log); empty for the
     * cluster of KUBECONFIG, whose audit log a test cannot read.
     */
    public Optional<AuditLog> auditLogFromNow() {
        return Optional.ofNullable(plane).map(p -> new AuditLog(p.auditLog()));
    }

    /** True for the local server built from Go modules, false for the cluster of KUBECONFIG. */
    public boolean isLocal() {
        return local;
    }

    public String description() {
        return description;
    }

    /**
     * A new client (the caller closes it) that acts as service account NAMESPACE/NAME of a pod on node NODE,
     * through impersonation (the admin may impersonate): the server derives the account's groups and passes the
     * node name as the extra {@link #NODE_NAME_EXTRA}, as it does for a pod's projected token.
     */
    public KubernetesClient asServiceAccount(String namespace, String name, String node) {
        // Header names cannot hold '/': the extra's key travels percent-encoded and the server decodes it.
        String extraKey = URLEncoder.encode(NODE_NAME_EXTRA, StandardCharsets.UTF_8);
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(config)
                .withImpersonateUsername("system:serviceaccount:" + namespace + ":" + name)
                .withImpersonateExtras(Map.of(extraKey, List.of(node)))
                .build()).build();
    }

    /** Creates a namespace with a unique name starting with PREFIX; the caller deletes it. */
    public String createNamespace(String prefix) {
        String name = prefix + "-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .addToLabels("libpool.dev/test", "true").endMetadata().build()).create();
        return name;
    }
}
