package dev.libpool.node;

import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.ksm.KsmController;
import dev.libpool.node.ksm.KsmPaths;
import dev.libpool.node.pool.PoolService;
import dev.libpool.node.pool.PoolTeardown;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench daemon}: what the node daemon's pass costs when nothing changes. Three PageCache pools over
 * thirds of a library directory are built once in a scratch state directory; then idle passes run as the
 * daemon runs them (every pool's reconcile: stat walk, build key, collection, measurement, learning; and a
 * KSM observation, policy Unmanaged, which writes nothing), timed by this process's CPU time. No API server:
 * the report write the daemon skips when nothing moved is not part of it.
 */
final class BenchDaemon {

    /** First letters after "lib" of each pool's libraries: three pools of a similar size. */
    private static final List<String> THIRDS = List.of("abcdefABCDEF", "ghijklmnopGHIJKLMNOP", "qrstuvwxyzQRSTUVWXYZ");
    private static final long PERIOD_SECONDS = 60;

    private final Path source;
    private final int passes;

    BenchDaemon(Path source, int passes) {
        this.source = source;
        this.passes = passes;
    }

    int run() throws Exception {
        Path scratch = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-bench-daemon-");
        HostPaths paths = new HostPaths(Path.of("/"), scratch.resolve("state").toString());
        long rssIdle = rssAfterGc();
        List<PoolService> services = new ArrayList<>();
        try {
            for (int i = 0; i < THIRDS.size(); i++) {
                services.add(PoolService.onHost(pool("bench-" + (i + 1), THIRDS.get(i)), "cluster", paths));
            }
            KsmController ksm = new KsmController(KsmPaths.of(paths));
            long build0 = cpuNanos();
            long libraries = 0;
            for (PoolService s : services) {
                NodePoolState state = s.reconcile().state();
                if (state.getState() != NodePoolState.State.Ready) {
                    System.err.println("bench daemon: pool " + state.getName() + " failed: " + state.getReason() + ": " + state.getMessage());
                    return 1;
                }
                libraries += state.getImage().getLibraryBytes();
            }
            double buildCpu = (cpuNanos() - build0) / 1e9;
            long read0 = services.stream().mapToLong(PoolService::sourceBytesRead).sum();
            long cpu0 = cpuNanos(), wall0 = System.nanoTime();
            for (int pass = 0; pass < passes; pass++) {
                for (PoolService s : services) {
                    s.reconcile();
                }
                ksm.reconcile(List.of(), Map.of(), Map.of(), false);
            }
            double cpuPerPass = (cpuNanos() - cpu0) / 1e9 / passes;
            double wallPerPass = (System.nanoTime() - wall0) / 1e9 / passes;
            long readPerPass = (services.stream().mapToLong(PoolService::sourceBytesRead).sum() - read0) / passes;
            long rssPools = rssAfterGc();
            System.out.printf("bench daemon: %s in 3 PageCache pools (%.1f MiB of libraries), %d idle passes%n",
                    source, libraries / 1048576.0, passes);
            System.out.printf("%-28s %12s%n", "figure", "value");
            row("first build, CPU s", buildCpu);
            row("idle pass, CPU ms", cpuPerPass * 1e3);
            row("idle pass, wall ms", wallPerPass * 1e3);
            row("library bytes read per idle pass", readPerPass);
            row("CPU s per hour (60 s period)", cpuPerPass * 3600 / PERIOD_SECONDS);
            row("RSS MiB, idle (no pool)", rssIdle / 1048576.0);
            row("RSS MiB, 3 pools", rssPools / 1048576.0);
            System.out.println("CPU = this JVM's process CPU time (all threads, JIT and GC included) over the idle passes;"
                    + " RSS after a full GC; no API server (the report is written only when a figure moved)");
            return 0;
        } finally {
            PoolTeardown teardown = new PoolTeardown(paths, new JnaNatives());
            for (String name : teardown.owned("cluster")) {
                teardown.tearDown(name);
            }
            try (var walk = Files.walk(scratch)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private SharedLibraryPool pool(String name, String letters) {
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
        PoolSource src = new PoolSource();
        src.setHostPath(new HostPathSource("/"));
        spec.setSource(src);
        String dir = Path.of("/").relativize(source.toAbsolutePath().normalize()).toString();
        spec.setInclude(letters.chars().mapToObj(c -> dir + "/lib" + (char) c + "*.so.*").toList());
        spec.setMaxSize(new Quantity("2Gi"));
        spec.setMedium(PoolMedium.PageCache);
        spec.setNamespaceSelector(new LabelSelector());
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).withGeneration(1L).build());
        pool.setSpec(spec);
        return pool;
    }

    private static void row(String name, double value) {
        System.out.printf(Locale.ROOT, "%-34s %12.2f%n", name, value);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** VmRSS of this process after a full collection, in bytes. */
    private static long rssAfterGc() throws IOException {
        System.gc();
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
