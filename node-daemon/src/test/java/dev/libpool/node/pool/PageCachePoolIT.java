package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;
import dev.libpool.node.pool.PoolFailure.Reason;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
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

    /** Maps the file, touches the pages at the given offsets, reports, and holds the mapping until stdin closes. */
    private static final String MAPPER = """
            import mmap, sys
            f = open(sys.argv[1], 'rb')
            m = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
            m.madvise(mmap.MADV_RANDOM)
            s = sum(m[int(o)] for o in sys.argv[2:])
            print('ready', flush=True)
            sys.stdin.read()
            """;
    private static final int PAGE = 4096;

    private final Natives natives = new JnaNatives();
    private final List<Process> children = new ArrayList<>();
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
        children.forEach(Process::destroyForcibly);
        for (Process p : children) {
            p.waitFor();
        }
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

        mapper(file, 0, 5 * PAGE, 17 * PAGE);
        NodePoolState one = service.reconcile().state();
        assertThat(one.getMappers()).isEqualTo(1);
        assertThat(one.getResidentBytes()).isEqualTo(3 * PAGE);
        assertThat(one.getSavedBytes()).isZero();

        mapper(file, 0, 5 * PAGE, 17 * PAGE, 30 * PAGE);
        NodePoolState two = service.reconcile().state();
        assertThat(two.getMappers()).isEqualTo(2);
        assertThat(two.getResidentBytes()).as("shared pages count once").isEqualTo(4 * PAGE);
        assertThat(two.getSavedBytes()).as("Rss 3 + 4 pages, resident 4").isEqualTo(3 * PAGE);
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
        assertThat(r.state().getState()).as(r.state().getReason() + ": " + r.state().getMessage())
                .isEqualTo(NodePoolState.State.Ready);
    }

    private void mapper(Path file, long... offsets) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", MAPPER, file.toString()));
        for (long o : offsets) {
            cmd.add(Long.toString(o));
        }
        Process p = new ProcessBuilder(cmd).start();
        children.add(p);
        assertThat(new BufferedReader(new InputStreamReader(p.getInputStream())).readLine()).isEqualTo("ready");
    }

    private SharedLibraryPool pool(PoolMedium medium) {
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
        PoolSource src = new PoolSource();
        src.setHostPath(new HostPathSource(source.toString()));
        spec.setSource(src);
        spec.setMaxSize(new Quantity("64Mi"));
        spec.setNamespaceSelector(new LabelSelector());
        spec.setMedium(medium);
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName("it").withGeneration(1L).build());
        pool.setSpec(spec);
        return pool;
    }
}
