package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.FileDigest;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node side of the HelperContainer mode with real processes: each runs the helper command the operator puts
 * in the DaemonSet ({@link ContainerDiskSource#helperCommand}) with the static busybox of busybox-static, found in
 * this machine's /proc by its marker, its disk read through /proc/&lt;pid&gt;/root. One helper runs in a chroot as
 * nobody, as in a container (its root is not the test's; the disk is at /disk, the default); others run with the
 * test's own root, so their in-root disk directory is a test directory. As root: pools are published on tmpfs.
 */
class HelperContainerIT {

    private static final String BUSYBOX = "/bin/busybox";
    // unique per JVM: a helper of a parallel run elsewhere on the machine must not be found instead
    private static final String POOL = "cdisk" + ProcessHandle.current().pid();

    private final List<Process> helpers = new ArrayList<>();
    private Path dir;
    private Path tree;
    private int states;

    @BeforeEach
    void host() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        for (String tool : List.of(BUSYBOX, "/usr/bin/qemu-img", "/usr/sbin/debugfs", "/usr/sbin/mke2fs", "/usr/sbin/chroot")) {
            assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is missing: ./libpool test installs busybox-static, "
                    + "qemu-utils, e2fsprogs and coreutils");
        }
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-helper-");
        tree = dir.resolve("guest-root");
        DiskImages.guestTree(tree, 6);
    }

    @AfterEach
    void stopHelpers() throws Exception {
        for (Process p : helpers) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void aHelperInItsOwnRootServesItsDiskAtTheDefaultPathAndGivesTheHostPathPool() throws Exception {
        Path root = containerRoot();
        Path disk = DiskImages.qcow2(DiskImages.rawImage(tree, dir.resolve("disk.raw"), "gpt", 48),
                root.resolve("disk/debian.qcow2"));
        String before = FileDigest.sha256(disk);
        Process helper = startInChroot(root, POOL);

        HostPaths paths = paths();
        PoolService.Result fromTree = PoolService.onHost(DiskImages.pool(POOL, PoolSource.hostPath(tree.toString())),
                "test", paths()).reconcile();
        PoolService.Result fromHelper = reconcile(containerDisk(null), paths, ContainerDiskSource.DISK_DIR);

        assertThat(fromHelper.ready()).as(fromHelper.state().getMessage()).isTrue();
        assertThat(fromHelper.state().getImage().getDigest()).isEqualTo(fromTree.state().getImage().getDigest());
        assertThat(FileDigest.sha256(disk)).as("the containerDisk's file is never written").isEqualTo(before);
        assertThat(Files.list(paths.buildDir())).as("no scratch left after the read").isEmpty();
        assertThat(HelperContainer.find(Path.of("/proc"), POOL, "img", "/none").root().toRealPath())
                .as("/proc/<pid>/root is the helper's chroot").isEqualTo(root.toRealPath());
        assertThat(helper.isAlive()).isTrue();
    }

    @Test
    void aLinkOnTheWayToTheDiskIsRefusedInsteadOfFollowedOnTheNode() throws Exception {
        Path root = containerRoot();
        DiskImages.rawImage(tree, root.resolve("disk/debian.img"), null, 48);
        // absolute: through /proc/<pid>/root it would resolve against the daemon's root, not the container's
        Files.createSymbolicLink(root.resolve("disk/link.img"), Path.of("/disk/debian.img"));
        startInChroot(root, POOL);

        PoolService.Result r = reconcile(containerDisk("/disk/link.img"), paths(), ContainerDiskSource.DISK_DIR);

        assertThat(r.state().getState()).isEqualTo(NodePoolState.State.Failed);
        assertThat(r.state().getReason()).isEqualTo("DiskImageMissing");
        assertThat(r.state().getMessage()).contains("/disk/link.img has a link on its way")
                .contains("set source.containerDisk.path to the file itself");
    }

    @Test
    void aHelperWithTheTestsRootIsReadThroughItsProcRootAtAnInRootPath() throws Exception {
        Path diskDir = Files.createDirectories(dir.resolve("served/disk"));
        DiskImages.rawImage(tree, diskDir.resolve("debian.raw"), "dos", 48);
        start(ContainerDiskSource.helperCommand(BUSYBOX, POOL));

        PoolService.Result fromHelper = reconcile(containerDisk(null), paths(), diskDir.toString());
        PoolService.Result fromTree = PoolService.onHost(DiskImages.pool(POOL, PoolSource.hostPath(tree.toString())),
                "test", paths()).reconcile();

        assertThat(fromHelper.ready()).as(fromHelper.state().getMessage()).isTrue();
        assertThat(fromHelper.state().getImage().getDigest()).isEqualTo(fromTree.state().getImage().getDigest());
    }

    @Test
    void noHelperNamesBothModesAndTheHelpersOfOtherPoolsAndTheFix() throws Exception {
        start(ContainerDiskSource.helperCommand(BUSYBOX, POOL + "2")); // its marker starts with this pool's

        PoolService.Result r = reconcile(containerDisk(null), paths(), dir.toString());

        assertThat(r.state().getReason()).isEqualTo("DiskImageMissing");
        assertThat(r.state().getMessage())
                .contains("is neither mounted at " + dir.resolve("no-volumes").resolve(POOL))
                .contains("no process of the node daemon's pod has the last argument "
                        + ContainerDiskSource.helperMarker(POOL) + ";")
                .contains("there are helpers for [" + ContainerDiskSource.helperMarker(POOL + "2") + "]")
                .contains("kubectl -n libpool-system describe pod");
    }

    @Test
    void twoHelpersForOnePoolAreRefusedByName() throws Exception {
        start(ContainerDiskSource.helperCommand(BUSYBOX, POOL));
        start(ContainerDiskSource.helperCommand(BUSYBOX, POOL));

        assertThatThrownBy(() -> HelperContainer.find(Path.of("/proc"), POOL, "registry.example/disk:1", "/none"))
                .isInstanceOfSatisfying(PoolFailure.class, f -> {
                    assertThat(f.reason()).isEqualTo(PoolFailure.Reason.ContainerDiskHelperAmbiguous);
                    assertThat(f.getMessage()).contains("2 processes").contains("cdisk-" + POOL)
                            .contains("delete it and the operator writes it again");
                });
    }

    /**
     * The helper's shell forks to run sleep, and until the child execs it carries the shell's argv, marker included:
     * a scan in that window (under load, found by a CI run) saw "2 processes ... carry" the marker. A subshell that
     * never execs holds that window open: the parent is the helper, its fork is not a second one.
     */
    @Test
    void theForkOfAHelperIsNotASecondHelper() throws Exception {
        List<String> helper = ContainerDiskSource.helperCommand(BUSYBOX, POOL);
        Process p = start(List.of(BUSYBOX, "sh", "-c", "( " + helper.get(3) + " ); :", helper.get(4)));
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.of(p.pid()).orElseThrow().children()
                .anyMatch(c -> c.info().arguments().map(a -> a.length > 0 && a[a.length - 1].equals(helper.get(4)))
                        .orElse(false)));

        assertThat(HelperContainer.find(Path.of("/proc"), POOL, "registry.example/disk:1", "/none").pid())
                .isEqualTo(p.pid());
    }

    @Test
    void aProcessThatOnlyMentionsTheMarkerBeforeItsLastArgumentIsNoHelper() throws Exception {
        List<String> command = new ArrayList<>(ContainerDiskSource.helperCommand(BUSYBOX, POOL));
        command.add("trailing");
        start(command);

        assertThatThrownBy(() -> HelperContainer.find(Path.of("/proc"), POOL, "registry.example/disk:1", "/none"))
                .isInstanceOfSatisfying(PoolFailure.class,
                        f -> assertThat(f.reason()).isEqualTo(PoolFailure.Reason.DiskImageMissing));
    }

    /**
     * As in the DaemonSet's pod: the standalone CLI ({@code pool build}, i.e. {@code PoolSources.onHost}) and a
     * chrooted helper share a PID namespace of their own (unshare), the host's /proc is under the daemon's host
     * root, and nothing but production code chooses the paths ({@code /proc}, {@code /disk}, the namespace check).
     */
    @Test
    void theCliInAPidNamespaceOfItsOwnFindsItsHelperAsInThePod() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "unshare is missing: apt-get install util-linux");
        Path root = containerRoot();
        DiskImages.qcow2(DiskImages.rawImage(tree, dir.resolve("disk.raw"), "gpt", 48), root.resolve("disk/debian.qcow2"));
        Path host = Files.createDirectories(dir.resolve("host/proc"));
        Path yaml = dir.resolve("pool.yaml");
        Files.writeString(yaml, "apiVersion: libpool.dev/v1alpha1\nkind: SharedLibraryPool\nmetadata: {name: " + POOL
                + "}\nspec:\n  source: {containerDisk: {image: registry.example/debian-disk:12}}\n  maxSize: 64Mi\n"
                + "  namespaceSelector: {}\n");
        List<String> helper = new ArrayList<>(List.of("/usr/sbin/chroot", "--userspec=65534:65534", root.toString()));
        helper.addAll(ContainerDiskSource.helperCommand("/helper/busybox", POOL));
        List<String> cli = List.of(ProcessHandle.current().info().command().orElseThrow(), "-cp",
                System.getProperty("java.class.path"), "dev.libpool.node.Main", "pool", "build", yaml.toString(),
                "--host-root", host.getParent().toString(), "--state-dir", "/var/lib/libpool");
        // pid 1 of the new namespace starts the helper, waits for its marker, runs the CLI; its exit ends them all
        Path inner = Files.writeString(dir.resolve("pod.sh"), String.join("\n",
                quote(helper) + " &",
                "n=0; until tr '\\0' '\\n' < /proc/$!/cmdline | grep -qx "
                        + quote(List.of(ContainerDiskSource.helperMarker(POOL))) + "; do",
                "  n=$((n+1)); [ $n -lt 100 ] || exit 70; sleep 0.1", "done",
                "echo \"helper pid $! in the pod's namespace\"",
                "exec " + quote(cli), ""));
        Path outer = Files.writeString(dir.resolve("node.sh"), String.join("\n",
                "mount --rbind /proc " + quote(List.of(host.toString())) + " || exit 71",
                "exec unshare --pid --fork --mount-proc /bin/sh " + quote(List.of(inner.toString())), ""));
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "/bin/sh", outer.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();

        PoolService.Result fromTree = PoolService.onHost(DiskImages.pool(POOL, PoolSource.hostPath(tree.toString())),
                "test", paths()).reconcile();
        assertThat(out).contains("helper pid 2 in the pod's namespace").contains("pool " + POOL + ": Ready")
                .contains("digest      " + fromTree.state().getImage().getDigest());
    }

    @Test
    void aDaemonInTheHostsPidNamespaceLooksForNoHelperAtAll() throws Exception {
        Path diskDir = Files.createDirectories(dir.resolve("served/disk"));
        DiskImages.rawImage(tree, diskDir.resolve("debian.raw"), null, 48);
        start(ContainerDiskSource.helperCommand(BUSYBOX, POOL));
        HostPaths paths = paths();
        // as the standalone CLI on a node: its /proc is the host's, where anyone could start a process with the marker
        PoolSources sources = new PoolSources(paths, dir.resolve("no-volumes"), Path.of("/proc"), diskDir.toString(),
                Path.of("/proc"));

        PoolService.Result r = new PoolService(DiskImages.pool(POOL, containerDisk(null)), "test", paths,
                new JnaNatives(), new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS), sources).reconcile();

        assertThat(r.state().getReason()).isEqualTo("DiskImageMissing");
        assertThat(r.state().getMessage()).contains("this process shares the host's PID namespace")
                .contains("use source.diskImage");
    }

    /** A root file system like a containerDisk's plus the busybox the operator's init container copies in. */
    private Path containerRoot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("container"));
        Files.createDirectories(root.resolve("disk"));
        Files.createDirectories(root.resolve("helper"));
        Files.copy(Path.of(BUSYBOX), root.resolve("helper/busybox"));
        return root;
    }

    private Process startInChroot(Path root, String pool) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/sbin/chroot", "--userspec=65534:65534", root.toString()));
        command.addAll(ContainerDiskSource.helperCommand("/helper/busybox", pool));
        return start(command);
    }

    /** Starts a helper and waits until its shell runs (its cmdline is the helper command). */
    private Process start(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("helper-" + helpers.size() + ".log").toFile()).start();
        helpers.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int sh = command.indexOf("sh");
        String running = command.get(sh - 1) + "\0sh\0-c\0"; // the shell itself, not chroot before its exec
        while (System.nanoTime() < deadline) {
            String cmdline = Files.exists(Path.of("/proc/" + p.pid() + "/cmdline"))
                    ? Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")) : "";
            if (cmdline.startsWith(running)) {
                return p;
            }
            assertThat(p.isAlive()).as("the helper exited: " + Files.readString(dir.resolve("helper-"
                    + (helpers.size() - 1) + ".log"))).isTrue();
            Thread.sleep(50);
        }
        throw new AssertionError("the helper did not start: " + command);
    }

    private static String quote(List<String> words) {
        return String.join(" ", words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").toList());
    }

    private PoolSource containerDisk(String path) {
        PoolSource source = new PoolSource();
        source.setContainerDisk(new ContainerDiskSource("registry.example/debian-disk:12"));
        source.getContainerDisk().setPath(path);
        return source;
    }

    private PoolService.Result reconcile(PoolSource source, HostPaths paths, String helperDiskDir) {
        // the test's helpers share its (the host's) PID namespace: the daemon's pod check is off, but for the test below
        PoolSources sources = new PoolSources(paths, dir.resolve("no-volumes"), Path.of("/proc"), helperDiskDir, null);
        return new PoolService(DiskImages.pool(POOL, source), "test", paths, new JnaNatives(),
                new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS), sources).reconcile();
    }

    private HostPaths paths() {
        return new HostPaths(Path.of("/"), dir.resolve("state-" + ++states).toString());
    }
}
