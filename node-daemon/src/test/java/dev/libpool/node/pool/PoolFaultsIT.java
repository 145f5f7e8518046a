package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.libpool.node.pool.PoolFixtures.assertReady;
import static dev.libpool.node.pool.PoolFixtures.digest;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults of the node daemon on a real host (root, real tmpfs, real mkfs.erofs): a daemon process killed at every
 * step of a build and publish (FaultPoint halts the JVM there, as SIGKILL would), a source file replaced between
 * the walk and the copy, generation files removed by hand, a read-only state directory. In every case the
 * pool.img that VMs map is complete (its content hashes to its generation name) or was never there, and the
 * next pass recovers.
 */
class PoolFaultsIT {

    private final Natives natives = new JnaNatives();
    private Path dir;
    private Path source;
    private Path yaml;
    private HostPaths paths;
    private List<Path> hostLibs;

    @BeforeEach
    void host() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-faults-");
        source = dir.resolve("guest-root");
        hostLibs = RootHost.libraryRoot(source, 20);
        paths = new HostPaths(Path.of("/"), dir.resolve("state").toString());
        yaml = dir.resolve("pool.yaml");
        Files.writeString(yaml, new KubernetesSerialization().asYaml(pool()));
    }

    @AfterEach
    void cleanUp() throws Exception {
        FaultPoint.clear();
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @ParameterizedTest
    @EnumSource(FaultPoint.Step.class)
    void aDaemonKilledAtAnyStepLeavesACompletePoolAndTheNextStartRecovers(FaultPoint.Step step) throws Exception {
        PoolService.Result first = service().reconcile();
        assertReady(first);
        String firstDigest = digest(first);
        replaceALibrary(); // so that the killed run builds and publishes a new generation

        Process killed = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                "-D" + FaultPoint.PROPERTY + "=" + step, "dev.libpool.node.Main", "pool", "build", yaml.toString(),
                "--state-dir", paths.stateDir()).redirectErrorStream(true).start();
        String output = new String(killed.getInputStream().readAllBytes());
        assertThat(killed.waitFor()).as("the daemon reached %s and was halted there:\n%s", step, output)
                .isEqualTo(FaultPoint.HALT_STATUS);

        PoolStore store = service().store() == null ? storeOf(service()) : service().store();
        Optional<String> serving = store.currentDigest();
        assertThat(serving).as("after a kill at %s pool.img is a generation", step).isPresent();
        assertThat(FileDigest.sha256(store.stableFile())).as("pool.img is complete").isEqualTo(serving.get());
        if (step.compareTo(FaultPoint.Step.SWITCHED) < 0) {
            assertThat(serving).as("before the switch, the old generation serves").contains(firstDigest);
        } else {
            assertThat(serving.get()).as("after the switch, the new one").isNotEqualTo(firstDigest);
        }

        PoolService restarted = service();
        PoolService.Result recovered = restarted.reconcile();
        assertReady(recovered);
        assertThat(digest(recovered)).isNotEqualTo(firstDigest);
        assertThat(FileDigest.sha256(recovered.stableFile())).isEqualTo(digest(recovered));
        assertThat(natives.isImmutable(recovered.stableFile())).isTrue();
        assertThat(Files.getFileStore(recovered.stableFile()).isReadOnly())
                .as("a daemon killed while its tmpfs was read-write: the next pass makes it read-only again").isTrue();
        assertThat(restarted.store().temporaryFiles()).as("no temporary file left").isEmpty();
        assertThat(restarted.store().generations()).extracting(PoolStore::digestOf).containsExactly(digest(recovered));
        try (Stream<Path> scratch = Files.exists(paths.buildDir()) ? Files.list(paths.buildDir()) : Stream.empty()) {
            assertThat(scratch.toList()).as("the killed build's staging tree is removed").isEmpty();
        }
    }

    @Test
    void aSourceFileReplacedBetweenTheWalkAndTheCopyIsNeverPublishedUnderItsOldHash() throws Exception {
        PoolService.Result first = service().reconcile();
        assertReady(first);
        Path victim = source.resolve("usr/lib/x86_64-linux-gnu").resolve(hostLibs.get(3).getFileName());
        replaceALibrary();
        privateCopy(victim); // a hard link of a host library otherwise: never write into that
        // After the walk hashed every file, the victim is rewritten in place (same size, other bytes) ...
        FaultPoint.onReach(FaultPoint.Step.SELECTED, () -> flipInPlace(victim));
        PoolService.Result changed = service().reconcile();

        assertThat(changed.state().getState()).isEqualTo(NodePoolState.State.Failed);
        assertThat(changed.state().getReason()).isEqualTo("SourceChanged");
        assertThat(changed.state().getMessage()).contains("/usr/lib/x86_64-linux-gnu/" + victim.getFileName())
                .contains("sha256:" + digest(first) + " keeps serving");
        assertThat(FileDigest.sha256(changed.stableFile())).isEqualTo(digest(first));

        // ... or replaced by a rename (a package manager): the same.
        FaultPoint.onReach(FaultPoint.Step.SELECTED, () -> flipAByte(victim));
        assertThat(service().reconcile().state().getReason()).isEqualTo("SourceChanged");

        FaultPoint.clear();
        PoolService.Result next = service().reconcile();
        assertReady(next);
        Manifest manifest = ImageRecord.read(paths.metaDir("it"), digest(next)).orElseThrow().manifest();
        String guestPath = "/usr/lib/x86_64-linux-gnu/" + victim.getFileName();
        assertThat(manifest.files()).filteredOn(e -> e.path().equals(guestPath)).singleElement()
                .satisfies(e -> assertThat(e.sha256()).isEqualTo(FileDigest.sha256(victim)));
    }

    /**
     * An error that is no PoolFailure (an I/O error of the host, a bug) while a pool's first generation is built:
     * HostError, and the pool's tmpfs, mounted for a generation that never came, is not left mounted.
     */
    @Test
    void aHostErrorBeforeTheFirstGenerationLeavesNothingMounted() throws Exception {
        FaultPoint.onReach(FaultPoint.Step.SELECTED, () -> {
            throw new UncheckedIOException(new IOException("Input/output error (injected)"));
        });
        PoolService service = service();
        PoolService.Result failed = service.reconcile();

        assertThat(failed.state().getReason()).as(failed.state().getMessage()).isEqualTo("HostError");
        assertThat(failed.state().getMessage()).contains("Input/output error (injected)");
        assertThat(service.store().isMountPoint()).as("the empty tmpfs of " + service.store().dir()).isFalse();

        FaultPoint.clear();
        assertReady(service().reconcile());
    }

    /** Something else fills the medium after the space check: the write fails midway, nothing half-written stays. */
    @Test
    void theMediumFillingUpMidWriteFailsThePublishAndKeepsTheServingGeneration() throws Exception {
        PoolService.Result first = service().reconcile();
        assertReady(first);
        replaceALibrary();
        Path filler = first.stableFile().resolveSibling("filler");
        FaultPoint.onReach(FaultPoint.Step.SPACE_CHECKED, () -> fill(filler, 1 << 20));
        PoolService service = service();
        PoolService.Result full = service.reconcile();

        assertThat(full.state().getReason()).as(full.state().getMessage()).isEqualTo("MediumFull");
        assertThat(full.state().getMessage()).contains("sha256:" + digest(first) + " keeps serving");
        assertThat(FileDigest.sha256(full.stableFile())).isEqualTo(digest(first));
        assertThat(service.store().temporaryFiles()).as("the partial copy is removed").isEmpty();
        assertThat(service.store().generations()).extracting(PoolStore::digestOf).containsExactly(digest(first));

        FaultPoint.clear();
        natives.remount(filler.getParent(), false); // the daemon keeps its tmpfs read-only between its changes
        Files.delete(filler);
        assertReady(service().reconcile());
    }

    /** Writes to {@code file} until the file system has only {@code leave} bytes left. */
    private static void fill(Path file, long leave) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            long free = Files.getFileStore(file.getParent()).getUsableSpace();
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 1);
            for (long n = 0; n < free - leave; n += chunk.length) {
                raf.write(chunk);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void generationFilesRemovedByHandAreRepublished() throws Exception {
        PoolService.Result first = service().reconcile();
        assertReady(first);
        PoolStore store = service().store() == null ? storeOf(service()) : service().store();
        Path generation = store.generationFile(digest(first));
        natives.remount(generation.getParent(), false); // the daemon keeps its tmpfs read-only between its changes
        natives.setImmutable(generation, false);
        Files.delete(generation); // pool.img (a hard link) still holds the content

        PoolService.Result afterGeneration = service().reconcile();
        assertReady(afterGeneration);
        assertThat(digest(afterGeneration)).isEqualTo(digest(first));
        assertThat(generation).exists();
        assertThat(FileDigest.sha256(afterGeneration.stableFile())).isEqualTo(digest(first));

        natives.remount(generation.getParent(), false);
        natives.setImmutable(store.stableFile(), false);
        Files.delete(store.stableFile());
        PoolService.Result afterStable = service().reconcile();
        assertReady(afterStable);
        assertThat(FileDigest.sha256(afterStable.stableFile())).isEqualTo(digest(first));
    }

    @Test
    void aReadOnlyStateDirectoryFailsWithTheReasonAndTheFix() throws Exception {
        Path readOnly = Files.createDirectories(dir.resolve("ro-state"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "ro,size=1m", "libpool-ro", readOnly.toString())
                .inheritIO().start();
        assertThat(mount.waitFor()).isZero();
        HostPaths readOnlyPaths = new HostPaths(Path.of("/"), readOnly.toString());
        PoolService.Result result = PoolService.onHost(pool(), "test", readOnlyPaths).reconcile();

        assertThat(result.state().getState()).isEqualTo(NodePoolState.State.Failed);
        assertThat(result.state().getReason()).isEqualTo("StateDirReadOnly");
        assertThat(result.state().getMessage()).contains(readOnly.toString()).contains("read-write");
        assertThat(result.stableFile()).isNull();
    }

    private PoolService service() {
        return PoolService.onHost(pool(), "file:" + yaml.toAbsolutePath().normalize(), paths);
    }

    private static PoolStore storeOf(PoolService service) {
        service.status(); // validates the spec, which creates the store
        return service.store();
    }

    private SharedLibraryPool pool() {
        return PoolFixtures.pool(source, spec -> { });
    }

    /** New content for one library of the source: the next build is a new generation. */
    private void replaceALibrary() throws IOException {
        flipAByte(source.resolve("usr/lib/x86_64-linux-gnu").resolve(hostLibs.get(0).getFileName()));
    }

    /** New content through a new inode, as a package manager replaces a file (the old one is a host library's link). */
    private static void flipAByte(Path file) {
        try {
            Path copy = file.resolveSibling(file.getFileName() + ".copy");
            Files.copy(file, copy, StandardCopyOption.REPLACE_EXISTING);
            try (RandomAccessFile raf = new RandomAccessFile(copy.toFile(), "rw")) {
                long at = raf.length() - 1;
                raf.seek(at);
                int b = raf.read();
                raf.seek(at);
                raf.write(b ^ 0xff);
            }
            Files.move(copy, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void privateCopy(Path file) throws IOException {
        Path copy = file.resolveSibling(file.getFileName() + ".copy");
        Files.copy(file, copy);
        Files.move(copy, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void flipInPlace(Path file) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() / 2);
            int b = raf.read();
            raf.seek(raf.length() / 2);
            raf.write(b ^ 0xff);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
