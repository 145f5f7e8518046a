package dev.libpool.node;

import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.ksm.KsmController;
import dev.libpool.node.ksm.KsmPaths;
import dev.libpool.node.report.MetricsServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The node daemon's entry point.
 * <pre>
 *   run                                  cluster mode (NODE_NAME from the downward API)
 *   pool build FILE                      standalone: build and publish the pool of a SharedLibraryPool YAML
 *   pool status FILE                     standalone: what is published, who maps it, what it saves
 *   bench-pool [--source DIR] [--runs N] selection and image build figures for a library directory
 *   bench-pool --disk-image FILE [--runs N]  the same from a guest disk image (qcow2 or raw)
 *   bench-daemon [--source DIR] [--passes N] CPU and RSS of idle passes over three pools of it
 *   ksm restore                          put back the KSM knobs saved before libpool first changed them
 *                                        (the uninstall step; the saved copy survives daemon crashes)
 * common options: --state-dir DIR (default /var/lib/libpool), --host-root DIR (default /), --mount-context CONTEXT
 * (SELinux context of the pool mounts where SELinux is enabled; default KubeVirt's container_file_t one, none = none)
 * </pre>
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Options opts = Options.parse(args);
        List<String> cmd = opts.positional();
        String first = cmd.isEmpty() ? "" : cmd.get(0);
        int exit = switch (first) {
            case "pool" -> cmd.size() == 3 && (cmd.get(1).equals("build") || cmd.get(1).equals("status"))
                    ? new PoolCommand(opts.paths()).run(cmd.get(1), Path.of(cmd.get(2))) : usage();
            case "bench-pool" -> opts.value("--disk-image", null) != null
                    ? new BenchDiskImage(Path.of(opts.value("--disk-image", null)), Integer.parseInt(opts.value("--runs", "3"))).run()
                    : new BenchPool(Path.of(opts.value("--source", BenchPool.DEFAULT_SOURCE)),
                    Integer.parseInt(opts.value("--runs", "3"))).run();
            case "bench-daemon" -> new BenchDaemon(Path.of(opts.value("--source", BenchPool.DEFAULT_SOURCE)),
                    Integer.parseInt(opts.value("--passes", "10"))).run();
            case "run" -> runDaemon(opts);
            case "ksm" -> cmd.size() == 2 && cmd.get(1).equals("restore") ? restoreKsm(opts) : usage();
            default -> usage();
        };
        System.exit(exit);
    }

    /** Cluster mode until SIGTERM: node name from the downward API, report and metrics. */
    private static int runDaemon(Options opts) throws Exception {
        String nodeName = System.getenv("NODE_NAME");
        if (nodeName == null || nodeName.isBlank()) {
            System.err.println("NODE_NAME is not set: give it from the downward API (env valueFrom fieldRef spec.nodeName)");
            return 2;
        }
        HostPaths paths = opts.paths();
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        try (KubernetesClient client = new KubernetesClientBuilder().build();
             NodeDaemon daemon = new NodeDaemon(client, nodeName, paths,
                     new KsmController(KsmPaths.of(paths)), Duration.ofSeconds(60));
             MetricsServer metrics = new MetricsServer(Integer.parseInt(opts.value("--metrics-port", "9464")), daemon::latest)) {
            daemon.start();
            System.err.println("libpool node daemon: node " + nodeName + ", metrics on :" + metrics.port() + "/metrics");
            stop.await();
        }
        return 0;
    }

    private static int restoreKsm(Options opts) {
        NodeKsmState state = new KsmController(KsmPaths.of(opts.paths())).restoreOriginals();
        System.out.println("KSM: " + state.getReason() + " - " + state.getMessage());
        return "Failed".equals(state.getState()) ? 1 : 0;
    }

    private static int usage() {
        System.err.println("""
                usage: Main run [--metrics-port 9464]
                       Main pool build|status FILE
                       Main bench-pool [--source DIR] [--runs N]
                       Main bench-pool --disk-image FILE [--runs N]
                       Main bench-daemon [--source DIR] [--passes N]
                       Main ksm restore
                options: --state-dir DIR (default /var/lib/libpool), --host-root DIR (default /),
                         --mount-context CONTEXT (SELinux context of the pool mounts where SELinux is enabled;
                         default system_u:object_r:container_file_t:s0, none for none)""");
        return 2;
    }

    /** "--name value" options anywhere on the line; everything else is positional. */
    record Options(List<String> positional, List<String> named) {
        static Options parse(String[] args) {
            List<String> positional = new ArrayList<>();
            List<String> named = new ArrayList<>();
            for (int i = 0; i < args.length; i++) {
                if (args[i].startsWith("--") && i + 1 < args.length) {
                    named.add(args[i]);
                    named.add(args[++i]);
                } else {
                    positional.add(args[i]);
                }
            }
            return new Options(positional, named);
        }

        String value(String name, String fallback) {
            int i = named.indexOf(name);
            return i >= 0 && i % 2 == 0 ? named.get(i + 1) : fallback;
        }

        HostPaths paths() {
            return new HostPaths(Path.of(value("--host-root", "/")), value("--state-dir", HostPaths.DEFAULT_STATE_DIR),
                    value("--mount-context", VmContract.POOL_MOUNT_SELINUX_CONTEXT));
        }
    }
}
