package dev.libpool.images;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The images `./libpool images` built (images/out/), unpacked and their entry points run in a chroot:
 * containers cannot be started on the build machines (no engine; crun refuses their cgroup layout), so
 * this is how far a test can take an image here. Skips, saying why, when no image was built, when
 * umoci/unshare are missing, or when not root.
 */
class ContainerImagesIT {
    private static final Path OUT = Path.of(System.getProperty("libpool.images.out", "out"));
    private static final String POOL_YAML = """
            apiVersion: libpool.dev/v1alpha1
            kind: SharedLibraryPool
            metadata:
              name: image-check
            spec:
              source:
                hostPath: {path: /srv/guest-root}
              maxSize: 64Mi
              namespaceSelector: {}
            """;

    private static Path work;

    @BeforeAll
    static void needsToolsAndRoot() throws IOException {
        for (String tool : List.of("umoci", "unshare", "chroot")) {
            assumeTrue(onPath(tool), tool + " is not installed: ./libpool images installs what building and checking images needs");
        }
        assumeTrue("root".equals(System.getProperty("user.name")),
                "not root: running an image's entry point needs mount and PID namespaces and chroot (run as root)");
        work = Files.createTempDirectory("libpool-images-it");
    }

    /** rm -rf: the unpacked root file systems hold absolute symlinks that must not be followed or reported. */
    @AfterAll
    static void removeWork() throws IOException, InterruptedException {
        if (work != null) {
            new ProcessBuilder("rm", "-rf", "--one-file-system", work.toString()).inheritIO().start().waitFor();
        }
    }

    private static UnpackedImage image(String name) throws IOException, InterruptedException {
        Path layout = OUT.resolve(name);
        assumeTrue(Files.exists(layout.resolve("index.json")),
                "no " + name + " image at " + layout.toAbsolutePath() + ": build it with ./libpool images");
        return UnpackedImage.unpack(layout, work.resolve(name));
    }

    @Test
    void nodeDaemonImageRunsItsEntryPointAndBuildsAPoolFromAMountedSource() throws Exception {
        UnpackedImage image = image("node-daemon");
        assertThat(image.entryPoint()).containsExactly("/opt/libpool/bin/libpool-node-daemon");
        assertThat(image.uid()).as("the node daemon mounts its tmpfs: it runs as root").isZero();
        assertThat(image.rootfs().resolve("usr/bin/mkfs.erofs")).exists();
        // disk-image sources, and the static busybox the containerDisk helpers run (copied by cp from /bin/busybox)
        assertThat(image.rootfs().resolve("usr/bin/qemu-img")).exists();
        assertThat(image.rootfs().resolve("usr/sbin/debugfs")).exists();
        assertThat(image.rootfs().resolve("usr/bin/busybox")).exists();
        assertThat(image.rootfs().resolve("usr/bin/cp")).exists();

        UnpackedImage.Result help = image.run(List.of("--help"), Map.of(), List.of(), 120, s -> false);
        assertThat(help.output()).contains("usage: Main run", "Main pool build|status FILE");

        Path host = Files.createDirectories(work.resolve("host"));
        Path libs = Files.createDirectories(host.resolve("srv/guest-root/usr/lib/x86_64-linux-gnu"));
        List<Path> copied = copySomeLibraries(libs);
        Files.writeString(host.resolve("srv/pool.yaml"), POOL_YAML);
        UnpackedImage.Result build = image.run(
                List.of("pool", "build", "/host/srv/pool.yaml", "--host-root", "/host", "--state-dir", "/var/lib/libpool"),
                hostMounts(host), List.of(), 300, s -> false);
        assertThat(build.exit()).as(build.output()).isZero();
        assertThat(build.output()).contains("Ready");
        try (Stream<Path> meta = Files.list(host.resolve("var/lib/libpool/meta/image-check"))) {
            Path manifest = meta.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
            String text = Files.readString(manifest);
            for (Path lib : copied) {
                assertThat(text).contains(lib.getFileName().toString());
            }
        }
    }

    @Test
    void operatorImageRunsAsNonRootAndStartsQuarkus() throws Exception {
        UnpackedImage image = image("operator");
        assertThat(image.entryPoint()).containsExactly("/opt/libpool/bin/libpool-operator");
        assertThat(image.uid()).as("the chart's restricted securityContext runs it as 65532").isEqualTo(65532);
        assertThat(image.rootfs().resolve("opt/libpool/operator/quarkus-run.jar")).exists();
        // No cluster here: the entry point must get as far as registering the reconciler (JVM, classpath,
        // Quarkus and QOSDK configuration all work), which is the last step before it contacts the API server.
        UnpackedImage.Result run = image.run(List.of(), Map.of(), List.of("QUARKUS_HTTP_PORT=0"), 180,
                s -> s.contains("Registered reconciler: 'sharedlibrarypool'"));
        assertThat(run.stoppedEarly()).as(run.output()).isTrue();
        assertThat(run.output()).contains("Quarkus Java Operator SDK extension").doesNotContain("ClassNotFoundException");
    }

    /** As the DaemonSet mounts the host's / at /host: here a directory standing for it, with the real /proc. */
    private static Map<Path, String> hostMounts(Path host) {
        Map<Path, String> binds = new java.util.LinkedHashMap<>();
        binds.put(host, "/host");
        binds.put(Path.of("/proc"), "/host/proc");
        return binds;
    }

    /** A few real shared objects of this host, as a guest root would hold them. */
    private static List<Path> copySomeLibraries(Path into) throws IOException {
        Path hostLibs = Path.of("/usr/lib/x86_64-linux-gnu");
        List<Path> copied = new java.util.ArrayList<>();
        for (String name : List.of("libz.so.1", "libzstd.so.1", "liblzma.so.5", "libcrypt.so.1")) {
            Path lib = hostLibs.resolve(name);
            if (Files.exists(lib)) {
                Path real = lib.toRealPath();
                copied.add(Files.copy(real, into.resolve(real.getFileName())));
            }
        }
        assertThat(copied).as("shared objects of this host to build a pool from").isNotEmpty();
        return copied;
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }
}
