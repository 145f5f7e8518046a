package dev.libpool.kubetest;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * kube-apiserver + etcd built from Go modules by {@code ./libpool apiserver} (testenv/kube/build.sh), started
 * through Fabric8's kube-api-test with downloads off. Each JVM gets its own directory (certificates, the
 * binaries linked in the layout kube-api-test expects) and its own free ports, so parallel builds on one
 * machine do not meet.
 */
final class LocalControlPlane implements AutoCloseable {
    static final String BUILD_COMMAND = "./libpool apiserver";
    static final List<String> BINARIES = List.of("kube-apiserver", "etcd", "kubectl");
    /** Generous: the first start on a busy 2-core machine takes tens of seconds. */
    private static final int STARTUP_TIMEOUT_MILLIS = 240_000;

    /**
     * Every write request, one JSON line each (metadata only, no bodies): who wrote what is counted at the server,
     * not trusted to the writer (the operator benchmark and the chain test count the operator's writes from it).
     */
    private static final String AUDIT_POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: [RequestReceived]
            rules:
            - level: Metadata
              verbs: [create, update, patch, delete, deletecollection]
            - level: None
            """;

    private final KubeAPIServer server;
    private final Path dir;

    private LocalControlPlane(KubeAPIServer server, Path dir) {
        this.server = server;
        this.dir = dir;
    }

    /** Where build.sh puts the binaries of VERSION. */
    static Path binDir(String version) {
        return cacheDir().resolve("k8s-" + version).resolve("bin");
    }

    /** The build scripts' cache (testenv/kube and testenv/kubevirt); LIBPOOL_CACHE moves it as it does for them. */
    static Path cacheDir() {
        String cache = System.getenv("LIBPOOL_CACHE");
        return cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "libpool");
    }

    /** Why the binaries of VERSION cannot be used, if they cannot. */
    static Optional<String> missing(Path bin) {
        return BINARIES.stream().filter(b -> !Files.isExecutable(bin.resolve(b))).findFirst()
                .map(b -> bin.resolve(b) + " is missing");
    }

    static LocalControlPlane start(Path bin, String version) {
        Path dir;
        try {
            dir = Files.createTempDirectory("libpool-kube-");
            Path versionDir = dir.resolve("k8s").resolve(version + "-linux-" + arch());
            Files.createDirectories(versionDir.getParent());
            Files.createSymbolicLink(versionDir, bin);
            Files.writeString(dir.resolve("audit-policy.yaml"), AUDIT_POLICY);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir.toString())
                .withApiServerVersion(version)
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withWaitForEtcdHealthCheckOnStartup(true)
                .withStartupTimeout(STARTUP_TIMEOUT_MILLIS)
                // As an admin of a 1.33/1.34 cluster must (docs/disk-images.md): without the gate the server
                // silently drops the image volumes of a containerDisk pool from the node daemon DaemonSet.
                .withApiServerFlag("--feature-gates", "ImageVolume=true")
                .withApiServerFlag("--audit-policy-file", dir.resolve("audit-policy.yaml").toString())
                .withApiServerFlag("--audit-log-path", auditLog(dir).toString())
                .build());
        LocalControlPlane plane = new LocalControlPlane(server, dir);
        try {
            server.start();
        } catch (RuntimeException e) {
            plane.close();
            throw new IllegalStateException("the local kube-apiserver v" + version + " from " + bin
                    + " did not start; its output is logged at debug level by io.fabric8.kubeapitest.process", e);
        }
        return plane;
    }

    /** The server's audit log of write requests (JSON lines, appended as requests complete). */
    Path auditLog() {
        return auditLog(dir);
    }

    private static Path auditLog(Path dir) {
        return dir.resolve("audit.log");
    }

    /** The kubeconfig of the cluster admin (a client certificate in group system:masters). */
    String kubeconfig() {
        return server.getKubeConfigYaml();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } finally {
            deleteTree(dir);
        }
    }

    private static String arch() {
        return System.getProperty("os.arch").equals("aarch64") ? "arm64" : "amd64";
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is not worth failing a test run for
        }
    }
}
