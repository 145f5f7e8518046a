package dev.libpool.e2e.bench;

import dev.libpool.api.v1alpha1.VmContract;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./libpool bench operator [--vms N --namespaces M --pools P]}: the real operator (its Quarkus jar, a process
 * of its own) against an API server seeded with N VMs in M namespaces opted into P pools. Prints the time to converge,
 * the API writes the operator made per VM to attach, on a resync and to detach, and its heap and RSS.
 * The API server is the Fabric8 mock server in CRUD mode (labelled so in the output): the real kube-apiserver of the
 * tests is not available on this branch.
 */
public final class OperatorBench {
    /** Listing every VM is itself load on the API server: not too often. */
    private static final long POLL_MILLIS = 3000;
    private final int vms;
    private final int namespaces;
    private final int pools;

    private OperatorBench(int vms, int namespaces, int pools) {
        this.vms = vms;
        this.namespaces = namespaces;
        this.pools = pools;
    }

    public static void main(String[] args) throws Exception {
        int vms = 5000, namespaces = 200, pools = 20;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vms" -> vms = Integer.parseInt(args[++i]);
                case "--namespaces" -> namespaces = Integer.parseInt(args[++i]);
                case "--pools" -> pools = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: bench operator [--vms N --namespaces M --pools P]");
            }
        }
        new OperatorBench(vms, namespaces, pools).run(Path.of(System.getenv().getOrDefault("LIBPOOL_ROOT", ".")));
    }

    private void run(Path root) throws Exception {
        Path jar = root.resolve("operator/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " missing: build the operator (./mvnw -pl operator -am package -DskipTests)");
        }
        try (MockApi api = MockApi.start(root)) {
            KubernetesClient client = api.client();
            Seed.all(client, vms, namespaces, pools);
            api.drain();
            int port = freePort();
            Process operator = operator(jar, api.kubeconfig(), port);
            try {
                long start = System.nanoTime();
                waitFor(operator, Duration.ofMinutes(30), () -> patched(client) == vms, "all " + vms + " VMs patched");
                double converge = (System.nanoTime() - start) / 1e9;
                Writes attach = Writes.of(settled(api));

                // Every pool reconciles (a namespace event wakes them all); nothing changed, so nothing is written.
                client.namespaces().withName("bench-0").edit(n -> {
                    n.getMetadata().getLabels().put("libpool.dev/bench-touch", "1");
                    return n;
                });
                Thread.sleep(15_000);
                Writes resync = Writes.of(settled(api));
                long[] memory = memory(operator.pid(), port);

                Seed.optOut(client); // the bench's own requests are told apart by their header
                waitFor(operator, Duration.ofMinutes(30), () -> patched(client) == 0, "all VMs unpatched");
                Writes detach = Writes.of(settled(api));
                print(converge, attach, resync, detach, memory);
            } finally {
                operator.destroy();
                operator.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private void print(double converge, Writes attach, Writes resync, Writes detach, long[] memory) {
        System.out.printf("%nlibpool bench operator: %d VMs, %d namespaces, %d pools; API server: Fabric8 mock server "
                + "(CRUD mode); machine: %d cores, %s%n%n", vms, namespaces, pools,
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"));
        System.out.printf("| %-34s | %12s |%n", "measure", "value");
        System.out.printf("|%s|%s|%n", "-".repeat(36), "-".repeat(14));
        row("time to converge (all VMs patched)", String.format("%.1f s", converge));
        row("attach: VM patches per VM", String.format("%.3f", attach.vmPatches / (double) vms));
        row("attach: Events", Integer.toString(attach.events));
        row("attach: other writes", Integer.toString(attach.other));
        row("resync: VM patches", Integer.toString(resync.vmPatches));
        row("resync: Events + other writes", (resync.events + resync.other) + "");
        row("detach: VM patches per VM", String.format("%.3f", detach.vmPatches / (double) vms));
        row("detach: Events", Integer.toString(detach.events));
        row("detach: other writes", Integer.toString(detach.other));
        row("operator heap used (MiB)", Long.toString(memory[0] >> 20));
        row("operator RSS (MiB)", Long.toString(memory[1] >> 20));
    }

    private static void row(String name, String value) {
        System.out.printf("| %-34s | %12s |%n", name, value);
    }

    /** The requests until the operator has written nothing for 5 s (statuses and events follow the VM patches). */
    private static List<RecordedRequest> settled(MockApi api) throws InterruptedException {
        List<RecordedRequest> all = new ArrayList<>(api.drain());
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 5_000_000_000L) {
            Thread.sleep(1000);
            List<RecordedRequest> more = api.drain();
            if (more.stream().anyMatch(Writes::isOperatorWrite)) {
                quietSince = System.nanoTime();
            }
            all.addAll(more);
        }
        return all;
    }

    private static long patched(KubernetesClient client) {
        return client.genericKubernetesResources(Seed.VMS).inAnyNamespace().list().getItems().stream()
                .map(GenericKubernetesResource::getMetadata)
                .filter(m -> m.getAnnotations() != null && m.getAnnotations().containsKey(VmContract.RECORD_ANNOTATION))
                .count();
    }

    private static Process operator(Path jar, Path kubeconfig, int port) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("java", "-jar", jar.toString());
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("LIBPOOL_LEADER_ELECTION", "false");
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("QUARKUS_LOG_LEVEL", "WARN");
        pb.redirectErrorStream(true).redirectOutput(Path.of(System.getProperty("java.io.tmpdir"), "libpool-bench-operator.log").toFile());
        return pb.start();
    }

    /** {heap used, RSS} in bytes: heap from the operator's own metrics, RSS from /proc. */
    private static long[] memory(long pid, int port) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        double heap = metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        long rss = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElse(-1);
        return new long[] {(long) heap, rss};
    }

    private static void waitFor(Process operator, Duration limit, java.util.function.BooleanSupplier done, String what)
            throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end || !operator.isAlive()) {
                throw new IllegalStateException((operator.isAlive() ? "timed out" : "the operator exited") + " waiting for "
                        + what + " (operator log: "
                        + Path.of(System.getProperty("java.io.tmpdir"), "libpool-bench-operator.log") + ")");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Writes the operator made, from the API server's request log (the bench's own requests carry a marker header). */
    record Writes(int vmPatches, int events, int other) {
        static Writes of(List<RecordedRequest> requests) {
            int vm = 0, events = 0, other = 0;
            for (RecordedRequest r : requests) {
                if (isOperatorWrite(r)) {
                    if (r.getPath().contains("/virtualmachines/")) {
                        vm++;
                    } else if (r.getPath().contains("/events")) {
                        events++;
                    } else {
                        other++;
                        if (System.getenv("LIBPOOL_BENCH_TRACE") != null) {
                            System.err.println("write: " + r.getMethod() + " " + r.getPath());
                        }
                    }
                }
            }
            return new Writes(vm, events, other);
        }

        static boolean isOperatorWrite(RecordedRequest r) {
            return !r.getMethod().equals("GET") && r.getHeader(MockApi.BENCH_HEADER) == null;
        }
    }

}
