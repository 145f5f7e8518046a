package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;
import dev.libpool.node.pool.PoolFailure.Reason;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * One pool end to end on this host, as root: real tmpfs mounted with JNA, real mkfs.erofs, real child
 * processes mapping the pool file MAP_SHARED, real /proc. Everything is mounted and created under a temporary
 * directory and unmounted and deleted afterwards, also when a test fails.
 */
class PoolServiceIT {

    private static final String MAPPER = """
            import mmap, sys
            f = open(sys.argv[1], 'rb')
            m = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
            s = sum(m[i] for i in range(0, int(sys.argv[2]), 4096))
            print('ready', flush=True)
            sys.stdin.read()
            """;

    private final Natives natives = new JnaNatives();
    private final List<Process> children = new ArrayList<>();
    private Path dir;
    private Path source;
    private HostPaths paths;
    private List<Path> hostLibs;

    @BeforeEach
    void host() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        RootHost.assumeTool("/usr/bin/python3");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-pool-");
        source = dir.resolve("guest-root");
        hostLibs = RootHost.libraryRoot(source, 40);
        paths = new HostPaths(Path.of("/"), dir.resolve("state").toString());
    }

    @AfterEach
    void cleanUp() throws Exception {
        children.forEach(Process::destroyForcibly);
        for (Process p : children) {
            p.waitFor();
        }
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void publishesOnADedicatedReadOnlyTmpfsAsAnImmutableReadOnlyFileOfQemusUser() throws Exception {
        PoolService service = service(pool(spec -> { }));
        PoolService.Result result = service.reconcile();

        assertReady(result);
        Path file = result.stableFile();
        assertThat(service.store().isMountPoint()).isTrue();
        assertThat(natives.filesystemType(file.getParent())).isEqualTo(Natives.TMPFS_MAGIC);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--r--r--");
        assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(dev.libpool.api.v1alpha1.VmContract.QEMU_UID);
        assertThat(Files.getAttribute(file, "unix:gid")).isEqualTo(dev.libpool.api.v1alpha1.VmContract.QEMU_GID);
        assertThat(natives.isImmutable(file)).isTrue();
        assertThat(Files.getFileStore(file).isReadOnly()).as("the pool's tmpfs is read-only between publishes").isTrue();
        String mount = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .filter(l -> l.split(" ")[1].equals(file.getParent().toString())).findFirst().orElseThrow();
        assertThat(mount).as("SELinux is off here: no context option (HostPaths' default is KubeVirt's)").doesNotContain("context=");
        assertThat(Files.size(file)).isEqualTo(PoolGeometry.deviceSizeBytes(new Quantity("64Mi")));
        NodePoolState state = result.state();
        assertThat(state.getImage().getDigest()).isEqualTo("sha256:" + FileDigest.sha256(file));
        assertThat(state.getImage().getLibraryCount()).isEqualTo(40);
        assertThat(state.getPath()).isEqualTo(dir.resolve("state/pools/it/pool.img").toString());
        assertThat(state.getMappers()).isZero();
        assertThat(service.store().generations()).singleElement()
                .satisfies(g -> assertThat(FileKey.of(g)).isEqualTo(FileKey.of(file)));

        PoolService.Result again = service.reconcile();
        assertThat(again.state().getImage().getDigest()).isEqualTo(state.getImage().getDigest());
        assertThat(FileKey.of(again.stableFile())).as("unchanged input republishes nothing").isEqualTo(FileKey.of(file));
    }

    @Test
    void twoMappersShareOneCopyPssHalvesAndSavedBytesMatch() throws Exception {
        PoolService service = service(pool(spec -> { }));
        PoolService.Result result = service.reconcile();
        assertReady(result);
        long dataBytes = dataBytes(result);
        Process a = mapper(result.stableFile(), dataBytes);
        Process b = mapper(result.stableFile(), dataBytes);

        NodePoolState state = service.reconcile().state();

        Set<FileKey> pool = Set.of(FileKey.of(result.stableFile()));
        SmapsUsage ua = SmapsUsage.of(Files.readString(Path.of("/proc/" + a.pid() + "/smaps")), pool);
        SmapsUsage ub = SmapsUsage.of(Files.readString(Path.of("/proc/" + b.pid() + "/smaps")), pool);
        long pageRounded = (dataBytes + 4095) / 4096 * 4096;
        assertThat(ua.rssBytes()).isEqualTo(pageRounded);
        assertThat(ub.rssBytes()).isEqualTo(pageRounded);
        assertThat((double) ua.pssBytes()).isCloseTo(ua.rssBytes() / 2.0, within(8192.0));
        assertThat((double) ub.pssBytes()).isCloseTo(ub.rssBytes() / 2.0, within(8192.0));
        assertThat(state.getMappers()).isEqualTo(2);
        assertThat(state.getResidentBytes()).isEqualTo(pageRounded); // the data once; the padding is a hole
        assertThat(state.getSavedBytes()).isEqualTo(ua.rssBytes() + ub.rssBytes() - state.getResidentBytes())
                .isEqualTo(pageRounded);
        System.out.printf("PoolServiceIT: 2 mappers of %d bytes: Rss %d + %d, Pss %d + %d, resident %d, saved %d%n",
                dataBytes, ua.rssBytes(), ub.rssBytes(), ua.pssBytes(), ub.pssBytes(), state.getResidentBytes(), state.getSavedBytes());
    }

    @Test
    void aMappedGenerationSurvivesCollectionAndAnUnmappedOneIsRemoved() throws Exception {
        SharedLibraryPool pool = pool(spec -> { });
        PoolService service = service(pool);
        PoolService.Result first = service.reconcile();
        assertReady(first);
        Path gen1 = service.store().generationFile(digest(first));
        Process qemu = mapper(first.stableFile(), dataBytes(first));

        addLibrary(40);
        PoolService.Result second = service.reconcile();
        assertReady(second);
        assertThat(digest(second)).isNotEqualTo(digest(first));
        assertThat(second.state().getRetainedGenerations()).isEqualTo(1);
        assertThat(second.state().getMappers()).isEqualTo(1);
        assertThat(gen1).exists();
        assertThat(natives.isImmutable(gen1)).isTrue();

        qemu.destroyForcibly().waitFor();
        PoolService.Result third = service.reconcile();
        assertThat(gen1).doesNotExist();
        assertThat(third.state().getRetainedGenerations()).isZero();

        addLibrary(41);
        PoolService.Result fourth = service.reconcile();
        assertReady(fourth);
        assertThat(service.store().generations()).as("the unmapped previous generation goes at once")
                .extracting(PoolStore::digestOf).containsExactly(digest(fourth));
        assertThat(service.store().generationFile(digest(second))).doesNotExist();
    }

    @Test
    void aCorruptedImageIsDetectedAtStartAndRebuilt() throws Exception {
        PoolService.Result good = service(pool(spec -> { })).reconcile();
        assertReady(good);
        natives.remount(good.stableFile().getParent(), false); // the daemon keeps its tmpfs read-only between publishes
        natives.setImmutable(good.stableFile(), false);
        try (RandomAccessFile raf = new RandomAccessFile(good.stableFile().toFile(), "rw")) {
            raf.seek(8192);
            raf.write(0x5a ^ raf.read());
        }
        assertThat(FileDigest.sha256(good.stableFile())).isNotEqualTo(digest(good).substring(0));

        PoolService restarted = service(pool(spec -> { })); // a new daemon process adopts what is on disk
        assertThat(restarted.status().state().getReason()).isEqualTo("ImageCorrupted");
        PoolService.Result rebuilt = restarted.reconcile();

        assertReady(rebuilt);
        assertThat(digest(rebuilt)).isEqualTo(digest(good));
        assertThat(FileDigest.sha256(rebuilt.stableFile())).isEqualTo(digest(good));
        assertThat(natives.isImmutable(rebuilt.stableFile())).isTrue();
    }

    @Test
    void aRestartAdoptsAGoodImageWithoutRepublishing() throws Exception {
        PoolService.Result good = service(pool(spec -> { })).reconcile();
        FileKey before = FileKey.of(good.stableFile());
        PoolService.Result adopted = service(pool(spec -> { })).reconcile();
        assertReady(adopted);
        assertThat(FileKey.of(adopted.stableFile())).isEqualTo(before);
    }

    @Test
    void badInputFailsWithAReasonWhileTheLastGoodGenerationKeepsServing() throws Exception {
        PoolService.Result good = service(pool(spec -> { })).reconcile();
        assertReady(good);
        String digest = digest(good);

        assertServing(pool(s -> s.getSource().getHostPath().setPath(dir.resolve("missing").toString())),
                Reason.SourceMissing, "source.hostPath.path", digest);
        assertServing(pool(s -> s.setMaxSize(new Quantity("1Ki"))), Reason.SelectionTooLarge, "raise spec.maxSize", digest);
        assertServing(pool(s -> s.setInclude(List.of("opt/**/*.so*"))), Reason.NothingSelected, "include", digest);
        Files.writeString(source.resolve("usr/lib/x86_64-linux-gnu/libc.so"), "GROUP ( libc.so.6 )\n");
        assertServing(pool(s -> s.setInclude(List.of("usr/lib/**/*.so*"))), Reason.NotSharedObject, "libc.so", digest);
        Files.delete(source.resolve("usr/lib/x86_64-linux-gnu/libc.so"));

        Path loop = source.resolve("usr/lib/x86_64-linux-gnu/libloop.so");
        Files.createSymbolicLink(loop, loop.getFileName());
        assertServing(pool(s -> { }), Reason.SymlinkLoop, "libloop.so", digest);
        Files.delete(loop);
        Path escape = source.resolve("usr/lib/x86_64-linux-gnu/libescape.so");
        Files.createSymbolicLink(escape, Path.of("../../../../../../../../etc/hostname"));
        assertServing(pool(s -> { }), Reason.SymlinkEscapesRoot, "libescape.so", digest);
        Files.delete(escape);

        addLibrary(40); // something to build, with no mkfs.erofs
        PoolService.Result noMkfs = new PoolService(pool(s -> { }), "test", paths, natives,
                new ErofsImageBuilder("/nonexistent/mkfs.erofs")).reconcile();
        assertFailedServing(noMkfs, Reason.MkfsMissing, "erofs-utils", digest);

        PoolService.Result conflict = new PoolService(pool(s -> { }), "file:/other/pool.yaml", paths, natives,
                new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS)).reconcile();
        assertThat(conflict.state().getReason()).isEqualTo(Reason.PoolNameConflict.name());
        assertThat(conflict.state().getMessage()).contains("rename this pool");
        assertThat(FileDigest.sha256(good.stableFile())).isEqualTo(digest);
    }

    @Test
    void aFirstBuildThatFailsLeavesNoMountBehind() throws Exception {
        PoolService service = service(pool(s -> s.getSource().getHostPath().setPath(dir.resolve("missing").toString())));

        PoolService.Result failed = service.reconcile();

        assertThat(failed.state().getReason()).isEqualTo(Reason.SourceMissing.name());
        assertThat(service.store().isMountPoint()).isFalse();
    }

    @Test
    void aFullMediumFailsThePublishAndKeepsTheServingGeneration() throws Exception {
        SharedLibraryPool pool = pool(s -> s.setMaxSize(new Quantity("24Mi")));
        PoolService service = service(pool);
        PoolService.Result good = service.reconcile();
        assertReady(good);
        Path filler = good.stableFile().resolveSibling("filler");
        natives.remount(filler.getParent(), false); // the daemon keeps its tmpfs read-only between publishes
        long free = Files.getFileStore(good.stableFile().getParent()).getUsableSpace();
        try (RandomAccessFile raf = new RandomAccessFile(filler.toFile(), "rw")) {
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 1);
            for (long n = 0; n < free - (1 << 20); n += chunk.length) {
                raf.write(chunk);
            }
        }
        addLibrary(40);
        assertFailedServing(service.reconcile(), Reason.MediumFull, "restart those VMs", digest(good));
        natives.remount(filler.getParent(), false);
        Files.delete(filler);
        assertReady(service.reconcile());
    }

    /** Reserves six 2 MiB huge pages for the test when fewer are (and restores vm.nr_hugepages after). */
    @Test
    void aHugetlbfsPoolIsFilledThroughAMappingAndMeasured() throws Exception {
        String saved = RootHost.reserveHugePages(6);
        try {
            RootHost.assumeHugePages(6);
            // the three smallest libraries, under maxSize 1Mi: a 10 MiB device, 5 huge pages
            List<String> three = hostLibs.stream().sorted(java.util.Comparator.comparingLong(p -> p.toFile().length()))
                    .limit(3).map(p -> "usr/lib/x86_64-linux-gnu/" + p.getFileName()).toList();
            PoolService service = service(pool(s -> {
                s.setMedium(dev.libpool.api.v1alpha1.PoolMedium.hugetlbfs);
                s.setMaxSize(new Quantity("1Mi"));
                s.setInclude(three);
            }));
            PoolService.Result result = service.reconcile();
            assertReady(result);
            assertThat(natives.filesystemType(result.stableFile().getParent())).isEqualTo(Natives.HUGETLBFS_MAGIC);
            assertThat(FileDigest.sha256(result.stableFile())).isEqualTo(digest(result));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(result.stableFile()))).isEqualTo("r--r--r--");
            mapper(result.stableFile(), dataBytes(result));
            NodePoolState state = service.reconcile().state();
            assertThat(state.getMappers()).isEqualTo(1);
            // the whole 10 MiB device is made of huge pages (5), all resident; the mapper touched the data pages
            assertThat(state.getResidentBytes()).isEqualTo(Files.size(result.stableFile()));
            long touchedPages = (dataBytes(result) + (2 << 20) - 1) / (2 << 20);
            assertThat(state.getSavedBytes()).isEqualTo(touchedPages * (2 << 20) - state.getResidentBytes());
        } finally {
            children.forEach(Process::destroyForcibly);
            for (Process p : children) {
                p.waitFor();
            }
            RootHost.cleanUp(dir.resolve("state"));
            RootHost.setHugePages(saved);
        }
    }

    @Test
    void theStateDirectoryLockKeepsASecondDaemonOut() throws Exception {
        try (StateLock held = StateLock.acquire(paths, natives, Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> StateLock.acquire(paths, natives, Duration.ofMillis(300)))
                    .isInstanceOf(PoolFailure.class).hasFieldOrPropertyWithValue("reason", Reason.StateDirLocked);
        }
        StateLock.acquire(paths, natives, Duration.ofMillis(300)).close();
    }

    private void assertServing(SharedLibraryPool bad, Reason reason, String text, String digest) throws Exception {
        assertFailedServing(service(bad).reconcile(), reason, text, digest);
    }

    private void assertFailedServing(PoolService.Result r, Reason reason, String text, String digest) throws Exception {
        assertThat(r.state().getState()).as(r.state().getMessage()).isEqualTo(NodePoolState.State.Failed);
        assertThat(r.state().getReason()).as(r.state().getMessage()).isEqualTo(reason.name());
        assertThat(r.state().getMessage()).contains(text).contains("sha256:" + digest + " keeps serving");
        assertThat(r.state().getImage().getDigest()).isEqualTo("sha256:" + digest);
        assertThat(FileDigest.sha256(r.stableFile())).isEqualTo(digest);
    }

    private static void assertReady(PoolService.Result r) {
        PoolFixtures.assertReady(r);
    }

    private static String digest(PoolService.Result r) {
        return PoolFixtures.digest(r);
    }

    private long dataBytes(PoolService.Result r) {
        return ImageRecord.read(paths.metaDir("it"), digest(r)).orElseThrow().dataBytes();
    }

    /** Adds the n-th extra library of the host to the source root (new content, so a new generation). */
    private void addLibrary(int n) throws Exception {
        try (Stream<Path> libs = Files.list(Path.of("/usr/lib/x86_64-linux-gnu"))) {
            Path extra = libs.filter(p -> p.getFileName().toString().matches("lib.*\\.so\\.[0-9.]+"))
                    .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !hostLibs.contains(p)).sorted().skip(n).findFirst().orElseThrow();
            Files.copy(extra, source.resolve("usr/lib/x86_64-linux-gnu").resolve(extra.getFileName()));
        }
    }

    /** A child process that maps the file MAP_SHARED read-only and touches its first {@code bytes}, like QEMU. */
    private Process mapper(Path file, long bytes) throws Exception {
        Process p = new ProcessBuilder("python3", "-c", MAPPER, file.toString(), Long.toString(bytes)).start();
        children.add(p);
        String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
        assertThat(line).as("mapper output").isEqualTo("ready");
        return p;
    }

    private PoolService service(SharedLibraryPool pool) {
        return PoolService.onHost(pool, "test", paths);
    }

    private SharedLibraryPool pool(Consumer<SharedLibraryPoolSpec> change) {
        return PoolFixtures.pool(source, change);
    }
}
