package dev.libpool.e2e.bench;

import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.e2e.operator.OperatorProcess;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code ./libpool bench operator [--vms N --namespaces M --pools P] [--mock]}: the real operator (its Quarkus jar, a
 * process of its own, configured as the chart configures it) against an API server seeded with N VMs in M namespaces
 * opted into P pools. Prints the time to converge, the API writes the operator made per VM to attach, on a resync
 * and to detach, and its heap and RSS. The API server is the tests' (a kube-apiserver + etcd built from Go modules,
 * whose audit log counts the operator's writes; or KUBECONFIG's cluster); {@code --mock} uses the Fabric8 mock
 * server instead, labelled so in the output.
 */
public final class OperatorBench {
    /** Listing every VM is itself load on the API server: not too often. */
    private static final long POLL_MILLIS = 3000;
    private static final Duration PHASE_LIMIT = Duration.ofMinutes(30);
    private static final String LEASES = "leases";
    /**
     * A phase is over when the operator has written nothing for this long: longer than JOSDK's retry backoff of a
     * reconcile that met a conflict (2 s, then x1.5), or a late retry would count in the next phase.
     */
    private static final Duration QUIET = Duration.ofSeconds(15);
    private final int vms;
    private final int namespaces;
    private final int pools;
    private final List<String> jvmOptions;

    private OperatorBench(int vms, int namespaces, int pools, List<String> jvmOptions) {
        this.vms = vms;
        this.namespaces = namespaces;
        this.pools = pools;
        this.jvmOptions = jvmOptions;
    }

    public static void main(String[] args) throws Exception {
        int vms = 5000, namespaces = 200, pools = 20;
        boolean mock = false;
        List<String> jvmOptions = List.of();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--vms" -> vms = Integer.parseInt(args[++i]);
                case "--namespaces" -> namespaces = Integer.parseInt(args[++i]);
                case "--pools" -> pools = Integer.parseInt(args[++i]);
                case "--mock" -> mock = true;
                case "--java-opts" -> jvmOptions = List.of(args[++i].trim().split("\\s+"));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; usage: bench operator [--vms N --namespaces M --pools P] [--java-opts 'FLAGS'] [--mock]");
            }
        }
        Path jar = OperatorProcess.jar();
        try (BenchApi api = mock ? MockApi.start(jar.getParent().getParent().getParent().getParent()) : RealApi.start()) {
            new OperatorBench(vms, namespaces, pools, jvmOptions).run(api, jar);
        }
        System.exit(0); // the local API server stops with the JVM (TestCluster's shutdown hook)
    }

    private void run(BenchApi api, Path jar) throws Exception {
        KubernetesClient client = api.client();
        long seedStart = System.nanoTime();
        Seed.all(client, vms, namespaces, pools);
        System.out.printf("seeded %d VMs in %.1f s on %s%n", vms, (System.nanoTime() - seedStart) / 1e9, api.label());
        api.operatorWrites(); // nothing of the seeding is the operator's
        Path log = Files.createTempFile("libpool-bench-operator", ".log");
        System.out.println("operator log: " + log);
        Map<String, String> settings = OperatorProcess.chartSettings(Seed.OPERATOR_NAMESPACE);
        if (!api.servesLeaderElection()) {
            settings.put("LIBPOOL_LEADER_ELECTION", "false");
        }
        try (OperatorProcess operator = OperatorProcess.start(jar, jvmOptions, api.kubeconfig(), settings, log)) {
            long start = System.nanoTime();
            waitFor(operator, () -> patched(client) == vms, "all " + vms + " VMs patched");
            double converge = (System.nanoTime() - start) / 1e9;
            Optional<Writes> attach = settled(api);

            // Every pool reconciles (a namespace event wakes them all); nothing changed, so nothing is written.
            client.namespaces().withName("bench-0").edit(n -> {
                n.getMetadata().getLabels().put("libpool.dev/bench-touch", "1");
                return n;
            });
            Thread.sleep(15_000);
            Optional<Writes> resync = settled(api);
            long[] memory = {operator.heapUsedBytes(), operator.rssBytes()};

            long detachStart = System.nanoTime();
            Seed.optOut(client);
            waitFor(operator, () -> patched(client) == 0, "all VMs unpatched");
            double detachTime = (System.nanoTime() - detachStart) / 1e9;
            Optional<Writes> detach = settled(api);
            print(api.label(), converge, detachTime, attach, resync, detach, memory);
            api.cleanUp();
        }
    }

    private void print(String server, double converge, double detachTime, Optional<Writes> attach,
                       Optional<Writes> resync, Optional<Writes> detach, long[] memory) {
        System.out.printf("%nlibpool bench operator: %d VMs, %d namespaces, %d pools; API server: %s; operator JVM "
                + "options: %s; machine: %d cores, %s%n%n", vms, namespaces, pools, server,
                jvmOptions.isEmpty() ? "the JVM's defaults" : String.join(" ", jvmOptions),
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"));
        System.out.printf("| %-36s | %12s |%n", "measure", "value");
        System.out.printf("|%s|%s|%n", "-".repeat(38), "-".repeat(14));
        row("time to converge (all VMs patched)", String.format("%.1f s", converge));
        row("attach: VM patches per VM", attach.map(w -> String.format("%.3f", w.vmPatches / (double) vms)));
        row("attach: Events", attach.map(w -> Integer.toString(w.events)));
        row("attach: other writes", attach.map(w -> Integer.toString(w.other.size())));
        row("resync: VM patches", resync.map(w -> Integer.toString(w.vmPatches)));
        row("resync: Events + other writes", resync.map(w -> Integer.toString(w.events + w.other.size())));
        row("time to detach (all VMs unpatched)", String.format("%.1f s", detachTime));
        row("detach: VM patches per VM", detach.map(w -> String.format("%.3f", w.vmPatches / (double) vms)));
        row("detach: Events", detach.map(w -> Integer.toString(w.events)));
        row("detach: other writes", detach.map(w -> Integer.toString(w.other.size())));
        row("operator heap used (MiB)", Long.toString(memory[0] >> 20));
        row("operator RSS (MiB)", Long.toString(memory[1] >> 20));
        resync.filter(w -> w.vmPatches + w.events + w.other.size() > 0).ifPresent(w ->
                System.out.println("\nThe writes of the resync (other than VM patches and Events): " + w.other));
        if (attach.isEmpty()) {
            System.out.println("\nWrites are not counted on KUBECONFIG's cluster (its audit log is out of reach); unset "
                    + "KUBECONFIG to count them at the local API server.");
        }
    }

    private static void row(String name, Optional<String> value) {
        row(name, value.orElse("n/a"));
    }

    private static void row(String name, String value) {
        System.out.printf("| %-36s | %12s |%n", name, value);
    }

    /** The operator's writes until it has written nothing for 5 s (statuses and events follow the VM patches). */
    private static Optional<Writes> settled(BenchApi api) throws InterruptedException {
        Optional<List<String>> first = api.operatorWrites();
        if (first.isEmpty()) {
            return Optional.empty();
        }
        List<String> all = new ArrayList<>(reconcileWrites(first.get()));
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < QUIET.toNanos()) {
            Thread.sleep(1000);
            List<String> more = reconcileWrites(api.operatorWrites().orElseThrow());
            if (!more.isEmpty()) {
                quietSince = System.nanoTime();
            }
            all.addAll(more);
        }
        if (System.getenv("LIBPOOL_BENCH_TRACE") != null) {
            all.forEach(w -> System.err.println("write: " + w));
        }
        return Optional.of(Writes.of(all));
    }

    /** Without the leader's Lease renewals (every few seconds, whatever the pools and VMs do). */
    private static List<String> reconcileWrites(List<String> resources) {
        return resources.stream().filter(w -> !resource(w).equals(LEASES)).toList();
    }

    private static long patched(KubernetesClient client) {
        return client.genericKubernetesResources(Seed.VMS).inAnyNamespace().list().getItems().stream()
                .map(GenericKubernetesResource::getMetadata)
                .filter(m -> m.getAnnotations() != null && m.getAnnotations().containsKey(VmContract.RECORD_ANNOTATION))
                .count();
    }

    private static void waitFor(OperatorProcess operator, java.util.function.BooleanSupplier done, String what)
            throws InterruptedException {
        long end = System.nanoTime() + PHASE_LIMIT.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end || !operator.isAlive()) {
                throw new IllegalStateException((operator.isAlive() ? "timed out" : "the operator exited") + " waiting for "
                        + what + " (operator log: " + operator.logFile() + ")");
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private static String resource(String write) {
        return write.substring(0, write.indexOf(' '));
    }

    /** The operator's writes by kind: VM patches, Events, and the rest (finalizers, statuses, ConfigMaps, DaemonSet). */
    record Writes(int vmPatches, int events, List<String> other) {
        static Writes of(List<String> writes) {
            int vm = (int) writes.stream().filter(w -> resource(w).equals("virtualmachines")).count();
            int events = (int) writes.stream().filter(w -> resource(w).equals("events")).count();
            return new Writes(vm, events, writes.stream().filter(w -> !resource(w).equals("virtualmachines")
                    && !resource(w).equals("events")).toList());
        }
    }
}
