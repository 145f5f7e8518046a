package dev.libpool.node.pool;

import dev.libpool.node.RootHost;
import dev.libpool.node.pool.PoolFailure.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real mkfs.erofs on ~40 of this host's libraries; the image is checked by the kernel's own erofs driver. */
class ErofsImageBuilderIT {

    private Path dir;
    private Selection selection;
    private Manifest manifest;
    private ImageScripts scripts;

    @BeforeEach
    void sourceRoot() throws Exception {
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-erofs-");
        RootHost.libraryRoot(dir.resolve("src"), 40);
        selection = new LibrarySelector(List.of("usr/lib/**/*.so*"), List.of(), true, 1L << 30).select(dir.resolve("src"));
        manifest = Manifest.of("it", 1, selection);
        scripts = ImageScripts.fromGuestModule();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void sameInputGivesAByteIdenticalPaddedImage() throws Exception {
        long device = 64L << 20;
        BuiltImage a = builder().build(manifest, selection, scripts, device, dir.resolve("a"));
        BuiltImage b = builder().build(manifest, selection, scripts, device, dir.resolve("b"));
        assertThat(selection.files()).hasSize(40);
        assertThat(a.sha256()).isEqualTo(b.sha256()).isEqualTo(FileDigest.sha256(b.file()));
        assertThat(Files.size(a.file())).isEqualTo(device);
        assertThat(a.dataBytes()).isLessThan(device).isGreaterThan(selection.totalBytes());
    }

    @Test
    void stagingByHardLinksOrByCopiesGivesTheSameBytesAndLeavesTheSourcesAlone() throws Exception {
        Path own = dir.resolve("own");
        for (LibraryFile f : selection.files()) { // private copies: this test changes their modes
            Files.createDirectories(own.resolve(f.path()).getParent());
            Files.copy(f.source(), own.resolve(f.path()));
            Files.setPosixFilePermissions(own.resolve(f.path()), PosixFilePermissions.fromString("rw-r--r--"));
        }
        Selection linkable = new LibrarySelector(List.of("usr/lib/**/*.so*"), List.of(), true, 1L << 30).select(own);
        BuiltImage linked = builder().build(Manifest.of("it", 1, linkable), linkable, scripts, 64L << 20, dir.resolve("a"));
        for (LibraryFile f : linkable.files()) {
            assertThat(Files.getAttribute(f.source(), "unix:nlink")).as("staging links are gone").isEqualTo(1);
            Files.setPosixFilePermissions(f.source(), PosixFilePermissions.fromString("rw-r-----")); // not linkable now
        }
        Selection copied = new LibrarySelector(List.of("usr/lib/**/*.so*"), List.of(), true, 1L << 30).select(own);
        BuiltImage copy = builder().build(Manifest.of("it", 1, copied), copied, scripts, 64L << 20, dir.resolve("b"));

        assertThat(copy.sha256()).isEqualTo(linked.sha256());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copied.files().get(0).source())))
                .isEqualTo("rw-r-----");
    }

    @Test
    void twoPathsToOneSourceInodeStoreItsDataOnce() throws Exception {
        LibraryFile largest = selection.files().stream().max(java.util.Comparator.comparingLong(LibraryFile::size)).orElseThrow();
        Path src = dir.resolve("src");
        Files.createLink(src.resolve("usr/lib/x86_64-linux-gnu/libsecondname.so.1"), largest.source());
        Selection twice = new LibrarySelector(List.of("usr/lib/**/*.so*"), List.of(), true, 1L << 30).select(src);

        BuiltImage once = builder().build(manifest, selection, scripts, 64L << 20, dir.resolve("a"));
        BuiltImage shared = builder().build(Manifest.of("it", 1, twice), twice, scripts, 64L << 20, dir.resolve("b"));

        assertThat(twice.files()).hasSize(selection.files().size() + 1);
        assertThat(largest.size()).isGreaterThan(16384);
        assertThat(shared.dataBytes() - once.dataBytes()).as("a directory entry and manifest lines, not the data")
                .isLessThan(16384);
    }

    @Test
    void theKernelMountsTheImageWithTheLibrariesTheManifestAndTheScripts() throws Exception {
        RootHost.assumeRoot();
        BuiltImage image = builder().build(manifest, selection, scripts, 64L << 20, dir.resolve("a"));
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        run("mount", "-t", "erofs", "-o", "loop,ro", image.file().toString(), mnt.toString());
        try {
            LibraryFile first = selection.files().get(0);
            assertThat(FileDigest.sha256(mnt.resolve(first.path()))).isEqualTo(first.sha256());
            assertThat(Manifest.fromJson(Files.readAllBytes(mnt.resolve(".libpool/manifest.json")))).isEqualTo(manifest);
            assertThat(Files.readString(mnt.resolve(".libpool/manifest.tsv"))).isEqualTo(new String(manifest.toTsv(), StandardCharsets.UTF_8));
            assertThat(Files.readAllBytes(mnt.resolve(".libpool/attach.sh"))).isEqualTo(scripts.attach());
            assertThat(Files.readAllBytes(mnt.resolve(".libpool/bootstrap.sh"))).isEqualTo(scripts.bootstrap());
            assertThat(Files.isExecutable(mnt.resolve(".libpool/detach.sh"))).isTrue();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(mnt.resolve(first.path())))).isEqualTo("rw-r--r--");
            assertThat(Files.getAttribute(mnt.resolve(first.path()), "unix:uid")).isEqualTo(0);
            assertThat(Files.getLastModifiedTime(mnt.resolve(first.path())).toMillis()).isZero();
        } finally {
            run("umount", mnt.toString());
        }
    }

    @Test
    void anImageLargerThanTheDeviceFails() {
        assertThatThrownBy(() -> builder().build(manifest, selection, scripts, 1 << 20, dir.resolve("a")))
                .isInstanceOf(PoolFailure.class).hasFieldOrPropertyWithValue("reason", Reason.ImageTooLarge)
                .hasMessageContaining("raise spec.maxSize");
    }

    @Test
    void missingOrFailingMkfsIsAPoolFailure() {
        assertThatThrownBy(() -> new ErofsImageBuilder("mkfs.erofs-not-installed").build(manifest, selection, scripts, 64L << 20, dir))
                .isInstanceOf(PoolFailure.class).hasFieldOrPropertyWithValue("reason", Reason.MkfsMissing)
                .hasMessageContaining("install erofs-utils");
        assertThatThrownBy(() -> new ErofsImageBuilder("/bin/false").build(manifest, selection, scripts, 64L << 20, dir))
                .isInstanceOf(PoolFailure.class).hasFieldOrPropertyWithValue("reason", Reason.MkfsFailed)
                .hasMessageContaining("exited with 1");
    }

    private static ErofsImageBuilder builder() {
        return new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS);
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
    }
}
