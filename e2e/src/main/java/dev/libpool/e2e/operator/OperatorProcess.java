package dev.libpool.e2e.operator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The operator as the product runs it: the Quarkus application the operator module packages
 * (operator/target/quarkus-app), a JVM of its own, configured through the environment variables the chart's
 * Deployment sets (helm/libpool/templates/operator-deployment.yaml) and connected through KUBECONFIG.
 * Closing it kills the process.
 */
public final class OperatorProcess implements AutoCloseable {
    /** Where the reactor's package phase puts the runner (the operator module's quarkus-maven-plugin build). */
    public static final Path JAR = Path.of("operator", "target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final Path log;
    private final int port;

    private OperatorProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * The packaged operator of the checkout around the working directory (or LIBPOOL_ROOT); the message of the
     * exception says how to build it when it is missing.
     */
    public static Path jar() {
        String root = System.getenv("LIBPOOL_ROOT");
        for (Path dir = Path.of(root != null ? root : "").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("operator").resolve("pom.xml"))) {
                Path jar = dir.resolve(JAR);
                if (!Files.isRegularFile(jar)) {
                    throw new IllegalStateException(jar + " is missing: package the operator first (./mvnw -pl "
                            + "operator -am package -DskipTests, or run the e2e module's tests with verify, whose "
                            + "reactor packages the operator before them)");
                }
                return jar;
            }
        }
        throw new IllegalStateException("no libpool checkout (operator/pom.xml) above " + Path.of("").toAbsolutePath());
    }

    /**
     * The settings the chart's Deployment gives the operator by default, in NAMESPACE (where its Lease and the node
     * daemon DaemonSet go): leader election on, as in production.
     */
    public static Map<String, String> chartSettings(String namespace) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LIBPOOL_NAMESPACE", namespace);
        env.put("LIBPOOL_LEADER_ELECTION", "true");
        env.put("LIBPOOL_RESYNC_PERIOD", "10m");
        env.put("QUARKUS_LOG_LEVEL", "INFO");
        return env;
    }

    /**
     * Starts JAR with KUBECONFIG and the operator settings ENV (LIBPOOL_NAMESPACE, LIBPOOL_STATE_DIR, ... as the
     * chart names them), its HTTP port (probes, /q/metrics) a free one, its output into LOG.
     */
    public static OperatorProcess start(Path jar, String kubeconfig, Map<String, String> env, Path log) {
        return start(jar, List.of(), kubeconfig, env, log);
    }

    /** The same with JVM options (e.g. the image's entry point's heap and GC flags). */
    public static OperatorProcess start(Path jar, List<String> jvmOptions, String kubeconfig, Map<String, String> env,
                                        Path log) {
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> settings = new LinkedHashMap<>(env);
        settings.put("KUBECONFIG", kubeconfig);
        settings.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().putAll(settings);
        try {
            Process process = builder.start();
            // Also when the caller's JVM ends without closing it (a test's timeout, Ctrl-C in a benchmark).
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "libpool-operator-process-stop"));
            return new OperatorProcess(process, log, port);
        } catch (IOException e) {
            throw new UncheckedIOException("starting the operator " + jar, e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** What the process has printed so far. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    public Path logFile() {
        return log;
    }

    /** Its Prometheus metrics (/q/metrics), as a scraper gets them. */
    public String metrics() {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + port
                    + "/q/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the operator's /q/metrics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Heap in use (the JVM's own metric, jvm_memory_used_bytes{area="heap"}), in bytes. */
    public long heapUsedBytes() {
        return (long) metrics().lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** Resident set size (VmRSS of /proc/PID/status), in bytes. */
    public long rssBytes() {
        try {
            return Files.readAllLines(Path.of("/proc/" + process.pid() + "/status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024)
                    .findFirst().orElse(-1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops it as Kubernetes stops a pod (SIGTERM, then SIGKILL after a grace period). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
