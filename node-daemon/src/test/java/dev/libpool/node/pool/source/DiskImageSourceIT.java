package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.DiskImageOptions;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.FileDigest;
import dev.libpool.node.pool.ImageRecord;
import dev.libpool.node.pool.PoolService;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pools built from real qcow2 and raw disk images (made here with mke2fs -d, sfdisk and qemu-img from a guest
 * tree) equal the pool of the same tree given as a hostPath: same manifest, same image digest. As root: the
 * pools are published on real tmpfs mounts, and the image tools run in the nobody sandbox.
 */
class DiskImageSourceIT {

    private static final String POOL = "disk";
    private static final int LIBRARIES = 12;

    private Path dir;
    private Path tree;
    private int states;

    @BeforeEach
    void host() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        DiskImages.assumeTool("/usr/bin/qemu-img", "qemu-utils");
        DiskImages.assumeTool("/usr/sbin/mke2fs", "e2fsprogs");
        DiskImages.assumeTool("/usr/sbin/sfdisk", "fdisk");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-disk-");
        tree = dir.resolve("guest-root");
        DiskImages.guestTree(tree, LIBRARIES);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"raw, gpt", "qcow2, gpt", "qcow2, dos", "raw, none", "qcow2-v2-plain, gpt", "raw-ext2, dos",
        "raw-ext3, none"})
    void theImageGivesTheHostPathPoolOfItsTreeAndStaysUnchanged(String format, String label) throws Exception {
        Path image = image(format, label);
        if (label.equals("none")) { // a name that debugfs would otherwise take for "name?io_options"
            image = Files.move(image, image.resolveSibling("guest?offset=512.img"));
        }
        String before = FileDigest.sha256(image);

        PoolService.Result fromTree = reconcile(pool(PoolSource.hostPath(tree.toString()), s -> { }));
        PoolService.Result fromImage = reconcile(pool(PoolSource.diskImage(image.toString()), s -> { }));

        assertThat(fromTree.ready()).as(fromTree.state().getMessage()).isTrue();
        assertThat(fromImage.ready()).as(fromImage.state().getMessage()).isTrue();
        assertThat(fromImage.state().getImage().getDigest()).isEqualTo(fromTree.state().getImage().getDigest());
        assertThat(manifest(fromImage)).isEqualTo(manifest(fromTree));
        // the versioned files, the library behind the alternatives chain; not the linker script or the dangling link
        assertThat(fromImage.state().getImage().getLibraryCount()).isEqualTo(LIBRARIES + 1);
        assertThat(manifest(fromImage).files()).anyMatch(e -> e.path().equals("/opt/blas/libblas-real.so.1"));
        assertThat(fromImage.state().getMessage()).as("the linker script libc.so and the dangling link")
                .contains("skipped 2 matched path(s), e.g. usr/lib/x86_64-linux-gnu/libgone.so.1 (dangling link)");
        assertThat(FileDigest.sha256(image)).as("the image is never written").isEqualTo(before);
        assertThat(Files.list(paths(states).buildDir())).as("no scratch left behind").isEmpty();
    }

    @Test
    void anUnchangedImageIsNotReadAgainAChangedOneIs() throws Exception {
        Path image = image("qcow2", "gpt");
        SharedLibraryPool pool = pool(PoolSource.diskImage(image.toString()), s -> { });
        HostPaths paths = paths(++states);
        List<String> reads = new ArrayList<>();
        Handler counter = readCounter(reads);
        Logger log = Logger.getLogger(DiskImageReader.class.getName());
        log.addHandler(counter);
        try {
            PoolService.Result first = PoolService.onHost(pool, "test", paths).reconcile();
            PoolService.Result second = PoolService.onHost(pool, "test", paths).reconcile(); // as after a restart
            assertThat(second.ready()).isTrue();
            assertThat(second.state().getImage().getDigest()).isEqualTo(first.state().getImage().getDigest());
            assertThat(reads).as("read once, then known by device, inode, size and times").hasSize(1);

            Files.setLastModifiedTime(image, FileTime.from(Instant.now().plusSeconds(5)));
            PoolService.Result touched = PoolService.onHost(pool, "test", paths).reconcile();
            assertThat(reads).as("a touched image is read again").hasSize(2);
            assertThat(touched.state().getImage().getDigest()).isEqualTo(first.state().getImage().getDigest());
        } finally {
            log.removeHandler(counter);
        }
    }

    @Test
    void whatADaemonKilledWhileReadingAnImageLeftIsRemovedByTheNextPass() throws Exception {
        Path yaml = dir.resolve("pool.yaml");
        Files.writeString(yaml, new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
                .asYaml(pool(PoolSource.diskImage(image("raw", "gpt").toString()), s -> { })));
        HostPaths paths = paths(++states);
        Process killed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "-D" + dev.libpool.node.pool.FaultPoint.PROPERTY + "="
                + dev.libpool.node.pool.FaultPoint.Step.SELECTED, "dev.libpool.node.Main", "pool", "build",
                yaml.toString(), "--state-dir", paths.stateDir()).redirectErrorStream(true).start();
        String output = new String(killed.getInputStream().readAllBytes());
        assertThat(killed.waitFor()).as(output).isEqualTo(dev.libpool.node.pool.FaultPoint.HALT_STATUS);
        assertThat(Files.list(paths.buildDir())).as("the halted read left the image's files behind").isNotEmpty();

        PoolService.Result next = PoolService.onHost(pool(PoolSource.diskImage(image("raw", "gpt").toString()), s -> { }),
                "file:" + yaml, paths).reconcile();

        assertThat(next.ready()).as(next.state().getMessage()).isTrue();
        assertThat(Files.list(paths.buildDir())).as("no scratch left behind").isEmpty();
    }

    @Test
    void aContainerDiskMountedForThePoolGivesTheSamePool() throws Exception {
        Path mounts = dir.resolve("container-disks");
        Path disk = Files.createDirectories(mounts.resolve(POOL).resolve("disk"));
        image("qcow2", "gpt");
        Files.move(dir.resolve("disk.qcow2"), disk.resolve("debian.qcow2"));
        PoolSource source = new PoolSource();
        source.setContainerDisk(new ContainerDiskSource("quay.io/containerdisks/debian:12"));

        PoolService.Result fromTree = reconcile(pool(PoolSource.hostPath(tree.toString()), s -> { }));
        HostPaths paths = paths(++states);
        PoolService.Result fromDisk = new PoolService(pool(source, s -> { }), "test", paths, new JnaNatives(),
                new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS), new PoolSources(paths, mounts)).reconcile();

        assertThat(fromDisk.ready()).as(fromDisk.state().getMessage()).isTrue();
        assertThat(fromDisk.state().getImage().getDigest()).isEqualTo(fromTree.state().getImage().getDigest());
    }

    @Test
    void aTruncatedImageFailsByNameAndTheLastGoodGenerationKeepsServing() throws Exception {
        Path image = image("raw", "gpt");
        SharedLibraryPool pool = pool(PoolSource.diskImage(image.toString()), s -> { });
        HostPaths paths = paths(++states);
        PoolService.Result good = PoolService.onHost(pool, "test", paths).reconcile();
        assertThat(good.ready()).as(good.state().getMessage()).isTrue();

        try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        PoolService.Result bad = PoolService.onHost(pool, "test", paths).reconcile();

        assertThat(bad.state().getState()).isEqualTo(NodePoolState.State.Failed);
        assertThat(bad.state().getReason()).isEqualTo("DiskImageTruncated");
        assertThat(bad.state().getMessage()).contains("source.diskImage.path " + image).contains("copy it again")
                .contains("keeps serving");
        assertThat(bad.stableFile()).isEqualTo(good.stableFile());
        assertThat(FileDigest.sha256(bad.stableFile())).isEqualTo(good.state().getImage().getDigest().substring(7));

        List<String> reads = new ArrayList<>();
        Handler counter = readCounter(reads);
        Logger log = Logger.getLogger(DiskImageReader.class.getName());
        log.addHandler(counter);
        try {
            PoolService.Result again = PoolService.onHost(pool, "test", paths).reconcile();
            assertThat(reads).as("the same bad image is not read on every pass").isEmpty();
            assertThat(again.state().getReason()).isEqualTo("DiskImageTruncated");
            assertThat(again.state().getMessage()).contains("copy it again").contains("the image is unchanged since")
                    .contains("keeps serving");
        } finally {
            log.removeHandler(counter);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "random bytes       | UnknownPartitionTable  | neither a GPT nor an MBR",
        "qcow2 overlay      | UnsupportedImageFormat | flatten it",
        "over the limit     | DiskImageTooLarge      | more than the 68719476736 bytes",
        "no such file       | DiskImageMissing       | is not a file on this node",
        "partition 3        | InvalidSpec            | partition 3 does not exist in the image's GPT (it has partitions 1, 2)",
        "filesystem xfs     | InvalidSpec            | filesystem is set to xfs but partition 2 of the GPT holds ext4",
        "corrupt superblock | DiskImageCorrupt       | the ext4 file system is damaged: the superblock is damaged"})
    void badImagesFailWithTheirReasonAndFix(String what, String reason, String message) throws Exception {
        Path image = dir.resolve("bad.img");
        Consumer<DiskImageOptions> hints = o -> { };
        switch (what) {
            case "random bytes" -> {
                byte[] noise = new byte[4 << 20];
                new java.util.Random(13).nextBytes(noise);
                Files.write(image, noise);
            }
            case "qcow2 overlay" -> DiskImages.run("qemu-img", "create", "-q", "-f", "qcow2", "-b",
                    image("qcow2", "gpt").toString(), "-F", "qcow2", image.toString());
            case "over the limit" -> DiskImages.run("truncate", "-s", (DiskImageReader.MAX_IMAGE_BYTES + 4096) + "", image.toString());
            case "no such file" -> image = dir.resolve("absent.qcow2");
            case "partition 3" -> {
                image = image("raw", "gpt");
                hints = o -> o.setPartition(3);
            }
            case "filesystem xfs" -> {
                image = image("raw", "gpt");
                hints = o -> o.setFilesystem(DiskImageOptions.Filesystem.xfs);
            }
            case "corrupt superblock" -> {
                image = image("raw", "none");
                try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
                    raf.seek(1024 + 0x20); // s_blocks_per_group: a superblock the magic accepts, the library refuses
                    raf.writeInt(0);
                }
            }
            default -> throw new IllegalArgumentException(what);
        }
        PoolSource source = PoolSource.diskImage(image.toString());
        hints.accept(source.getDiskImage());
        PoolService.Result r = reconcile(pool(source, s -> { }));

        assertThat(r.state().getState()).isEqualTo(NodePoolState.State.Failed);
        assertThat(r.state().getReason()).as(r.state().getMessage()).isEqualTo(reason);
        assertThat(r.state().getMessage()).contains(message);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mkfs.xfs, xfs, 320", "mkfs.btrfs, btrfs, 160"})
    void xfsAndBtrfsRootsFailAsUnsupportedNamingTheWayOut(String mkfs, String fs, int mib) throws Exception {
        DiskImages.assumeTool("/usr/sbin/" + mkfs, fs.equals("xfs") ? "xfsprogs" : "btrfs-progs");
        Path image = DiskImages.foreignRoot(mkfs, mib, dir);
        PoolService.Result r = reconcile(pool(PoolSource.diskImage(image.toString()), s -> { }));

        assertThat(r.state().getReason()).as(r.state().getMessage()).isEqualTo("UnsupportedFilesystem");
        assertThat(r.state().getMessage()).contains("partition 2 of the GPT holds " + fs)
                .contains("use source.hostPath with an unpacked copy of the guest root");
    }

    /** Collects the reader's "read IMAGE ..." log lines: one per time an image is actually read. */
    private static Handler readCounter(List<String> reads) {
        return new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getMessage() != null && r.getMessage().startsWith("read ")) {
                    reads.add(r.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
    }

    /** raw or qcow2 (compressed v3; "qcow2-v2-plain": compat 0.10, uncompressed), ext4 unless "raw-ext2"/"raw-ext3". */
    private Path image(String format, String label) throws Exception {
        String fs = format.startsWith("raw-") ? format.substring(4) : "ext4";
        Path raw = DiskImages.rawImage(tree, dir.resolve("disk-" + label + ".raw"), label.equals("none") ? null : label,
                48, fs);
        if (format.startsWith("raw")) {
            return raw;
        }
        if (format.equals("qcow2-v2-plain")) {
            DiskImages.run("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", "-o", "compat=0.10", raw.toString(),
                    dir.resolve("disk.qcow2").toString());
            return dir.resolve("disk.qcow2");
        }
        return DiskImages.qcow2(raw, dir.resolve("disk.qcow2"));
    }

    private PoolService.Result reconcile(SharedLibraryPool pool) {
        return PoolService.onHost(pool, "test", paths(++states)).reconcile();
    }

    /** A state directory per pool service: the same pool name on one "node" each. */
    private HostPaths paths(int n) {
        return new HostPaths(Path.of("/"), dir.resolve("state-" + n).toString());
    }

    private dev.libpool.node.pool.Manifest manifest(PoolService.Result r) throws Exception {
        Path meta = r.stableFile().getParent().getParent().getParent().resolve("meta").resolve(POOL);
        return ImageRecord.read(meta, r.state().getImage().getDigest().substring(7)).orElseThrow().manifest();
    }

    private SharedLibraryPool pool(PoolSource source, Consumer<SharedLibraryPoolSpec> change) {
        SharedLibraryPool pool = DiskImages.pool(POOL, source);
        change.accept(pool.getSpec());
        return pool;
    }
}
