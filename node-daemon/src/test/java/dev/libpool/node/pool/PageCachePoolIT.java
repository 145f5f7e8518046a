package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.LearnedLayout;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.UsedContent;
import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;
import dev.libpool.node.learn.ErofsLayout;
import dev.libpool.node.learn.LearnedBuild;
import dev.libpool.node.pool.PoolFailure.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The PageCache medium on this host, as root: the image is a file on /var/tmp's disk (no mount), and what is
 * resident is exactly what mappers touched, read by mincore(2). The mappers are real child processes that map
 * the file MAP_SHARED read-only with MADV_RANDOM, so the kernel reads only the faulting page (no read-around)
 * and the expected residency is exact.
 */
class PageCachePoolIT {

    private static final int PAGE = 4096;

    private final Natives natives = new JnaNatives();
    private final Mappers mappers = new Mappers();
    private Path dir;
    private Path source;
    private HostPaths paths;

    @BeforeEach
    void host() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        RootHost.assumeTool("/usr/bin/python3");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-pagecache-");
        boolean onDisk = natives.filesystemType(dir) != Natives.TMPFS_MAGIC;
        if (!onDisk) {
            System.out.println("SKIPPED: /var/tmp is a tmpfs here; the PageCache medium needs a disk-backed state directory");
        }
        assumeTrue(onDisk, "/var/tmp on tmpfs");
        source = dir.resolve("guest-root");
        RootHost.libraryRoot(source, 40);
        paths = new HostPaths(Path.of("/"), dir.resolve("state").toString());
    }

    @AfterEach
    void cleanUp() throws Exception {
        mappers.close();
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void publishesAnImmutableFileOnDiskThatIsNotResidentUntilTouched() throws Exception {
        PoolService service = PoolService.onHost(pool(PoolMedium.PageCache), "test", paths);
        PoolService.Result result = service.reconcile();

        assertReady(result);
        Path file = result.stableFile();
        assertThat(service.store().isMountPoint()).as("PageCache mounts nothing").isFalse();
        assertThat(natives.filesystemType(file)).isEqualTo(natives.filesystemType(dir));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwxr-xr-x");
        assertThat(natives.isImmutable(file)).isTrue();
        assertThat(result.state().getImage().getDigest()).isEqualTo("sha256:" + FileDigest.sha256(file));
        natives.dropCache(file); // the hash above read it all

        PoolService restarted = PoolService.onHost(pool(PoolMedium.PageCache), "test", paths);
        NodePoolState state = restarted.reconcile().state();
        assertThat(state.getImage().getDigest()).isEqualTo(result.state().getImage().getDigest());
        assertThat(state.getResidentBytes()).as("the daemon's own verification read leaves nothing resident").isZero();
        assertThat(state.getSavedBytes()).isZero();
    }

    @Test
    void residentIsWhatMappersTouchedOnceAndSavedIsTheSecondCopy() throws Exception {
        PoolService service = PoolService.onHost(pool(PoolMedium.PageCache), "test", paths);
        Path file = service.reconcile().stableFile();

        mappers.map(file, 0, 5 * PAGE, 17 * PAGE);
        NodePoolState one = service.reconcile().state();
        assertThat(one.getMappers()).isEqualTo(1);
        assertThat(one.getResidentBytes()).isEqualTo(3 * PAGE);
        assertThat(one.getSavedBytes()).isZero();

        mappers.map(file, 0, 5 * PAGE, 17 * PAGE, 30 * PAGE);
        NodePoolState two = service.reconcile().state();
        assertThat(two.getMappers()).isEqualTo(2);
        assertThat(two.getResidentBytes()).as("shared pages count once").isEqualTo(4 * PAGE);
        assertThat(two.getSavedBytes()).as("Rss 3 + 4 pages, resident 4").isEqualTo(3 * PAGE);
    }

    @Test
    void aPassDropsThePagesNoMapperMapsAndKeepsTheMappedOnes() throws Exception {
        PoolService service = PoolService.onHost(pool(PoolMedium.PageCache), "test", paths);
        Path file = service.reconcile().stableFile();
        mappers.map(file, 0, 9 * PAGE);
        FileDigest.sha256(file); // a reader that maps nothing (as read-around and gone guests leave it): all resident
        assertThat(natives.residentBytes(file)).isEqualTo(Files.size(file));

        NodePoolState state = service.reconcile().state();

        assertThat(state.getResidentBytes()).as("only the mapper's two pages stay").isEqualTo(2 * PAGE);
        assertThat(natives.residentBytes(file)).isEqualTo(2 * PAGE);
        mappers.close();
        assertThat(service.reconcile().state().getResidentBytes()).as("no mapper, nothing resident").isZero();
    }

    @Test
    void learnsWhichLibrariesMappersTouchedAndKeepsItAcrossARestart() throws Exception {
        PoolService service = PoolService.onHost(pool(PoolMedium.PageCache), "test", paths);
        PoolService.Result published = service.reconcile();
        assertThat(published.state().getUsed().getPages()).as("nothing touched yet").isZero();
        ErofsLayout layout = ErofsLayout.read(published.stableFile());
        natives.dropCache(published.stableFile());
        List<ErofsLayout.FileExtents> libs = layout.files().stream().filter(f -> f.path().startsWith("/usr/")
                && f.extents().get(0).blocks() >= 3).limit(2).toList();
        long a = libs.get(0).extents().get(0).imageBlock() * PAGE, b = libs.get(1).extents().get(0).imageBlock() * PAGE;

        mappers.map(published.stableFile(), a, a + 2 * PAGE);
        mappers.map(published.stableFile(), a, b);
        UsedContent used = service.reconcile().state().getUsed();

        assertThat(used.getFiles()).isEqualTo(2);
        assertThat(used.getFileBytes()).isEqualTo(libs.get(0).size() + libs.get(1).size());
        assertThat(used.getPages()).isEqualTo(3);
        assertThat(used.getBytes()).isEqualTo(3 * PAGE);

        mappers.close();
        UsedContent remembered = PoolService.onHost(pool(PoolMedium.PageCache), "test", paths).reconcile().state().getUsed();
        assertThat(remembered.getFiles()).isEqualTo(2);
        assertThat(remembered.getPages()).isEqualTo(3);
    }

    @Test
    void aDiskImageSourceIsLaidOutFromWhatWasLearnedThoughTheImageDidNotChange() throws Exception {
        RootHost.assumeTool("/usr/sbin/mke2fs");
        Path image = dir.resolve("root.ext4");
        Process mkfs = new ProcessBuilder("mke2fs", "-q", "-F", "-t", "ext4", "-d", source.toString(), image.toString(),
                (Files.walk(source).mapToLong(p -> p.toFile().length()).sum() / (1 << 20) + 32) + "M")
                .redirectErrorStream(true).start();
        assertThat(mkfs.waitFor()).as(new String(mkfs.getInputStream().readAllBytes())).isZero();
        SharedLibraryPool dense = pool(PoolMedium.PageCache);
        dense.getSpec().setSource(dev.libpool.api.v1alpha1.PoolSource.diskImage(image.toString()));
        dense.getSpec().setLearnedLayout(LearnedLayout.Dense);
        PoolService service = PoolService.onHost(dense, "test", paths);
        PoolService.Result first = service.reconcile();
        assertReady(first);
        ErofsLayout layout = ErofsLayout.read(first.stableFile());
        natives.dropCache(first.stableFile());
        ErofsLayout.FileExtents lib = layout.files().stream().filter(f -> f.path().startsWith("/usr/")
                && f.extents().get(0).blocks() >= 3).findFirst().orElseThrow();
        mappers.map(first.stableFile(), lib.extents().get(0).imageBlock() * PAGE + PAGE);

        NodePoolState state = first.state();
        for (int pass = 0; pass <= LearnedBuild.SETTLE_PASSES + 1; pass++) {
            state = service.reconcile().state();
        }

        assertReady(state);
        assertThat(state.getImage().getDigest()).as("the dense generation, although the disk image is unchanged")
                .isNotEqualTo(first.state().getImage().getDigest());
        String digest = state.getImage().getDigest();
        assertThat(service.reconcile().state().getImage().getDigest()).as("no churn").isEqualTo(digest);
    }

    @Test
    void narrowOnceLearningSettledBuildsAGenerationOfTheTouchedLibrariesOnly() throws Exception {
        SharedLibraryPool narrow = pool(PoolMedium.PageCache);
        narrow.getSpec().setLearnedLayout(LearnedLayout.Narrow);
        PoolService service = PoolService.onHost(narrow, "test", paths);
        PoolService.Result first = service.reconcile();
        ErofsLayout layout = ErofsLayout.read(first.stableFile());
        List<ErofsLayout.FileExtents> libs = layout.files().stream().filter(f -> f.path().startsWith("/usr/")
                && f.extents().get(0).blocks() >= 3).limit(2).toList();
        mappers.map(first.stableFile(), libs.get(0).extents().get(0).imageBlock() * PAGE + PAGE,
                libs.get(1).extents().get(0).imageBlock() * PAGE + PAGE);

        NodePoolState state = first.state();
        for (int pass = 0; pass <= LearnedBuild.SETTLE_PASSES + 1; pass++) {
            state = service.reconcile().state();
        }

        assertReady(state);
        assertThat(state.getImage().getDigest()).as("a new generation").isNotEqualTo(first.state().getImage().getDigest());
        assertThat(state.getImage().getLibraryCount()).isEqualTo(2);
        assertThat(state.getRetainedGenerations()).as("the first one is still mapped").isEqualTo(1);
        ErofsLayout narrowed = ErofsLayout.read(service.store().stableFile());
        assertThat(narrowed.files().stream().map(ErofsLayout.FileExtents::path).filter(p -> p.startsWith("/usr/")))
                .containsExactlyInAnyOrder(libs.get(0).path(), libs.get(1).path());
        String digest = state.getImage().getDigest();
        assertThat(service.reconcile().state().getImage().getDigest()).as("no churn").isEqualTo(digest);
    }

    @Test
    void aPoolThatNoLongerSelectsTheNodeGoesOnceNothingMapsIt() throws Exception {
        PoolService.Result tmpfs = PoolService.onHost(pool(PoolMedium.tmpfs), "cluster", paths).reconcile();
        assertReady(tmpfs);
        PoolTeardown teardown = new PoolTeardown(paths, natives);
        assertThat(teardown.owned("cluster")).containsExactly("it");
        mappers.map(tmpfs.stableFile(), 0);

        assertThat(teardown.tearDown("it")).as("mapped: stays").isFalse();
        assertThat(natives.filesystemType(tmpfs.stableFile())).isEqualTo(Natives.TMPFS_MAGIC);

        mappers.close();
        assertThat(teardown.tearDown("it")).isTrue();
        assertThat(paths.poolDir("it")).doesNotExist();
        assertThat(paths.metaDir("it")).doesNotExist();
        assertThat(teardown.owned("cluster")).isEmpty();
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(paths.poolDir("it").toString());
    }

    @Test
    void aLeftoverMountFromAnotherMediumIsAMismatchAndTheOldPoolKeepsServing() throws Exception {
        PoolService.Result tmpfs = PoolService.onHost(pool(PoolMedium.tmpfs), "test", paths).reconcile();
        assertReady(tmpfs);

        PoolService.Result switched = PoolService.onHost(pool(PoolMedium.PageCache), "test", paths).reconcile();

        assertThat(switched.state().getState()).isEqualTo(NodePoolState.State.Failed);
        assertThat(switched.state().getReason()).isEqualTo(Reason.MediumMismatch.name());
        assertThat(switched.state().getMessage()).contains("unmount it once no VM uses the pool");
        assertThat(natives.filesystemType(tmpfs.stableFile())).isEqualTo(Natives.TMPFS_MAGIC);
        assertThat(FileDigest.sha256(tmpfs.stableFile())).isEqualTo(tmpfs.state().getImage().getDigest().substring(7));
    }

    private static void assertReady(PoolService.Result r) {
        assertReady(r.state());
    }

    private static void assertReady(NodePoolState s) {
        assertThat(s.getState()).as(s.getReason() + ": " + s.getMessage()).isEqualTo(NodePoolState.State.Ready);
    }

    private SharedLibraryPool pool(PoolMedium medium) {
        return PoolFixtures.pool(source, spec -> spec.setMedium(medium));
    }
}
