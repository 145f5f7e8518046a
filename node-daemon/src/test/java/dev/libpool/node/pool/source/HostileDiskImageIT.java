package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.pool.PoolService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Images crafted as an attacker who controls a guest disk would: a root-only file of the node (0600 in a 0700
 * directory) and a world-writable directory are planted, and no image, however its bytes change while it is
 * read, publishes a byte of the one or writes into the other.
 */
class HostileDiskImageIT extends ImageWorkspace {

    private Path secretDir;
    private Path writable;
    private String marker;

    @BeforeEach
    void plant() throws Exception {
        marker = "LIBPOOL-SECRET-" + System.nanoTime();
        secretDir = Files.createDirectory(dir.resolve("secret"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        writable = Files.createDirectory(dir.resolve("world-writable"));
        Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rwxrwxrwx"));
    }

    /** A raw disk of a guest root with one more library that carries the marker: the node's secret. */
    private Path secretDisk() throws Exception {
        Path secretTree = dir.resolve("secret-tree");
        DiskImages.guestTree(secretTree, 4);
        Path lib = secretTree.resolve("usr/lib/x86_64-linux-gnu/libsecret.so.1");
        Files.copy(Path.of("/usr/lib/x86_64-linux-gnu/libz.so.1"), lib);
        Files.write(lib, marker.getBytes(StandardCharsets.US_ASCII), java.nio.file.StandardOpenOption.APPEND);
        Path disk = DiskImages.rawImage(secretTree, secretDir.resolve("root-only.raw"), "gpt", 48);
        Files.setPosixFilePermissions(disk, PosixFilePermissions.fromString("rw-------"));
        return disk;
    }

    @Test
    void aBackingFileFlippedInWhileTheImageIsReadNeverPublishesAByteOfARootOnlyFile() throws Exception {
        Path secret = secretDisk();
        Path overlay = dir.resolve("overlay.qcow2");
        DiskImages.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", secret.toString(), "-F", "raw", overlay.toString());
        byte[] withBacking = Crafted.read(overlay, 8, 12);
        byte[] without = new byte[12];
        HostPaths paths = paths();
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try {
                for (long i = 0; !stop.get(); i++) { // the header flips in place, and every write is a new mtime
                    Crafted.write(overlay, 8, i % 2 == 0 ? without : withBacking);
                    Files.setLastModifiedTime(overlay, FileTime.from(Instant.ofEpochSecond(1_000_000 + i)));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        Set<String> reasons = new HashSet<>();
        try {
            for (int i = 0; i < 40; i++) {
                PoolService.Result r = PoolService.onHost(DiskImages.pool("race", PoolSource.diskImage(overlay.toString())),
                        "test", paths).reconcile();
                assertThat(r.ready()).as("try " + i + ": " + r.state().getMessage()).isFalse();
                reasons.add(r.state().getReason());
            }
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(reasons).as("the backing file is refused, or the overlay alone holds nothing")
                .isSubsetOf("UnsupportedImageFormat", "UnknownPartitionTable");
        assertThat(containsMarker(paths.stateDir())).as("a byte of the root-only file under the state dir").isFalse();
    }

    @Test
    void craftedNamesAndLinksNeitherWriteOutsideTheScratchDirectoryNorReadANodeFile() throws Exception {
        Path secret = secretDisk();
        Path evil = Files.createDirectories(tree.resolve("usr/lib/x86_64-linux-gnu/evil"));
        // a link and a directory that end up with one name: rdump made the directory's files follow the link
        Files.createSymbolicLink(evil.resolve("zzlinkzz"), writable);
        Files.createDirectories(evil.resolve("zzdirzzz"));
        Files.writeString(evil.resolve("zzdirzzz/pwned-by-link"), "x");
        // a name that is a path climbing into the world-writable directory
        String climbing = "../".repeat(24) + writable.toString().substring(1) + "/pwned-by-name";
        Files.writeString(evil.resolve("P".repeat(climbing.length())), "x");
        // links to the node's root-only file by its host path, absolute and climbing
        Files.createSymbolicLink(tree.resolve("usr/lib/x86_64-linux-gnu/libleak.so.1"), secret);
        Files.createSymbolicLink(tree.resolve("usr/lib/x86_64-linux-gnu/libleak2.so.1"), Path.of("../".repeat(12)
                + secret.toString().substring(1)));
        Path image = DiskImages.rawImage(tree, dir.resolve("names.raw"), "gpt", 48);
        Crafted.replaceOnce(image, "zzdirzzz", "zzlinkzz");
        Crafted.replaceOnce(image, "P".repeat(climbing.length()), climbing);

        HostPaths paths = paths();
        PoolService.Result r = PoolService.onHost(DiskImages.pool("names", PoolSource.diskImage(image.toString())),
                "test", paths).reconcile();

        assertThat(r.ready()).as(r.state().getMessage()).isTrue();
        assertThat(r.state().getMessage()).contains("the image reader left out 2 entr(ies)");
        try (Stream<Path> s = Files.list(writable)) {
            assertThat(s).as("files written into the world-writable directory").isEmpty();
        }
        assertThat(containsMarker(paths.stateDir())).isFalse();
        assertThat(Files.list(paths.buildDir())).as("no scratch left behind").isEmpty();
    }

    @Test
    void oddEntriesAreSkippedWithTheirReasonAndALinkThatClimbsAboveTheRootWorksAsInTheGuest() throws Exception {
        Path libdir = tree.resolve("usr/lib/x86_64-linux-gnu");
        Files.copy(libdir.resolve(Files.readSymbolicLink(tree.resolve("etc/alternatives/libalt.so.1")).toString()
                .replace("/opt/blas/", "../../../opt/blas/")), libdir.resolve("lib\nnewline.so.1"));
        Files.createSymbolicLink(libdir.resolve("libloop.so.1"), Path.of("libloop.so.2"));
        Files.createSymbolicLink(libdir.resolve("libloop.so.2"), Path.of("libloop.so.1"));
        Path dots = Files.createDirectories(tree.resolve("opt/dots"));
        Files.copy(tree.resolve("opt/blas/libblas-real.so.1"), dots.resolve("libdots-real.so.1"));
        Files.writeString(dots.resolve("libdots-real.so.1"), marker, java.nio.file.StandardOpenOption.APPEND);
        Files.createSymbolicLink(libdir.resolve("libdots.so.1"), Path.of("../".repeat(9) + "opt/dots/libdots-real.so.1"));
        Path image = DiskImages.rawImage(tree, dir.resolve("odd.raw"), null, 48);

        HostPaths paths = paths();
        PoolService.Result r = PoolService.onHost(DiskImages.pool("odd", PoolSource.diskImage(image.toString())),
                "test", paths).reconcile();

        assertThat(r.ready()).as(r.state().getMessage()).isTrue();
        // the linker script, the dangling link of the guest tree, the newline name, the loop's other half
        assertThat(r.state().getMessage()).contains("serving 6 libraries").contains("skipped 4 matched path(s)")
                .contains("the image reader left out 1 entr(ies), e.g. usr/lib/x86_64-linux-gnu/libloop.so.1 (a symlink loop)");
        assertThat(containsMarker(paths.stateDir())).as("the library behind the climbing link is in the pool").isTrue();
    }

    /** Whether any file under {@code root} holds the marker's bytes. */
    private boolean containsMarker(String root) throws Exception {
        byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(Path.of(root))) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).forEach(files::add);
        }
        for (Path f : files) {
            if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)
                    .contains(new String(needle, StandardCharsets.ISO_8859_1))) {
                return true;
            }
        }
        return false;
    }

}
