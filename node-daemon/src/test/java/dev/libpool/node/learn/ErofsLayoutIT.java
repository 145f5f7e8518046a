package dev.libpool.node.learn;

import dev.libpool.node.RootHost;
import dev.libpool.node.pool.BuiltImage;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.FileDigest;
import dev.libpool.node.pool.ImageScripts;
import dev.libpool.node.pool.LibrarySelector;
import dev.libpool.node.pool.Manifest;
import dev.libpool.node.pool.Selection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The layout read back from real mkfs.erofs images (the pool's flat files, and chunk-based files): every
 * library's bytes, read from the image at the extents the layout names, hash to the manifest's digest.
 */
class ErofsLayoutIT {

    private Path dir;
    private Selection selection;

    @BeforeEach
    void sourceRoot() throws Exception {
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-layout-");
        RootHost.libraryRoot(dir.resolve("src"), 40);
        selection = new LibrarySelector(List.of("usr/lib/**/*.so*"), List.of(), true, 1L << 30).select(dir.resolve("src"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void everyLibraryOfAPoolImageIsFoundAtItsExtents() throws Exception {
        Manifest manifest = Manifest.of("it", 1, selection);
        BuiltImage image = new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS)
                .build(manifest, selection, ImageScripts.fromGuestModule(), 64L << 20, dir.resolve("build"));

        ErofsLayout layout = ErofsLayout.read(image.file());

        Map<String, ErofsLayout.FileExtents> byPath = layout.files().stream()
                .collect(Collectors.toMap(ErofsLayout.FileExtents::path, Function.identity()));
        assertThat(byPath).containsKeys("/.libpool/manifest.json", "/.libpool/attach.sh");
        for (Manifest.Entry e : manifest.files()) {
            ErofsLayout.FileExtents f = byPath.get(e.path());
            assertThat(f).as(e.path()).isNotNull();
            assertThat(f.size()).isEqualTo(e.size());
            assertThat(sha256(image.file(), layout, f)).as(e.path()).isEqualTo(e.sha256());
            long first = f.extents().get(0).imageBlock();
            assertThat(layout.files().get(layout.ownerOfBlock(first))).isEqualTo(f);
        }
        assertThat(layout.ownerOfBlock(0)).as("the superblock's block belongs to no file").isEqualTo(-1);
    }

    @Test
    void chunkBasedFilesAreFollowedChunkByChunk() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        for (var f : selection.files().subList(0, 10)) {
            Files.copy(f.source(), tree.resolve(f.source().getFileName()));
        }
        Path img = dir.resolve("chunked.img");
        Process p = new ProcessBuilder("mkfs.erofs", "--chunksize=4096", "-Enoinline_data", "-x-1", "--quiet",
                img.toString(), tree.toString()).inheritIO().start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();

        ErofsLayout layout = ErofsLayout.read(img);

        assertThat(layout.files()).hasSize(10);
        for (ErofsLayout.FileExtents f : layout.files()) {
            assertThat(sha256(img, layout, f)).as(f.path()).isEqualTo(FileDigest.sha256(tree.resolve(f.path().substring(1))));
        }
    }

    /** The file's bytes as the layout places them; chunks the layout leaves out (holes) read as zeros. */
    private static String sha256(Path image, ErofsLayout layout, ErofsLayout.FileExtents f) throws Exception {
        int bs = layout.blockSize();
        byte[] content = new byte[(int) f.size()];
        try (FileChannel ch = FileChannel.open(image)) {
            for (ErofsLayout.Extent e : f.extents()) {
                long fileOffset = e.fileBlock() * bs;
                int len = (int) Math.min(e.blocks() * bs, f.size() - fileOffset);
                ByteBuffer b = ByteBuffer.wrap(content, (int) fileOffset, len);
                while (b.hasRemaining()) {
                    ch.read(b, e.imageBlock() * bs + (b.position() - fileOffset));
                }
            }
        }
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
