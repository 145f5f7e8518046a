package dev.libpool.node.learn;

import dev.libpool.node.RootHost;
import dev.libpool.node.pool.BuiltImage;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.FileDigest;
import dev.libpool.node.pool.ImageScripts;
import dev.libpool.node.pool.LibraryFile;
import dev.libpool.node.pool.LibrarySelector;
import dev.libpool.node.pool.Manifest;
import dev.libpool.node.pool.Selection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** A dense build with real mkfs.erofs: the touched pages lie together, and every library is still whole. */
class DenseLayoutIT {

    private Path dir;
    private Selection selection;
    private Manifest manifest;

    @BeforeEach
    void sourceRoot() throws Exception {
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-dense-");
        RootHost.libraryRoot(dir.resolve("src"), 40);
        selection = new LibrarySelector(List.of("usr/lib/**/*.so*"), List.of(), true, 1L << 30).select(dir.resolve("src"));
        manifest = Manifest.of("it", 1, selection);
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void touchedPagesLieTogetherAndEveryLibraryReadsBackWhole() throws Exception {
        // scattered pages: page 1 and the page before the last full one of each library of >= 4 pages
        TreeMap<String, BitSet> touched = new TreeMap<>();
        for (LibraryFile f : selection.files()) {
            long full = f.size() / 4096;
            if (full >= 4) {
                BitSet b = new BitSet();
                b.set(1);
                b.set((int) full - 2);
                touched.put(f.guestPath(), b);
            }
        }
        LearnedPages learned = new LearnedPages(touched);
        BuiltImage image = new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS).build(manifest, selection,
                ImageScripts.fromGuestModule(), 64L << 20, dir.resolve("build"), learned);

        ErofsLayout layout = ErofsLayout.read(image.file());
        Map<String, ErofsLayout.FileExtents> byPath = layout.files().stream()
                .collect(Collectors.toMap(ErofsLayout.FileExtents::path, Function.identity()));
        TreeSet<Long> blocks = new TreeSet<>();
        touched.forEach((path, pages) -> pages.stream().forEach(p -> blocks.add(blockOf(byPath.get(path), p))));
        assertThat(learned.pageCount()).isGreaterThan(20);
        assertThat(blocks).as("one image block per touched page").hasSize((int) learned.pageCount());
        assertThat(blocks.last() - blocks.first() + 1).as("touched pages are contiguous").isEqualTo(learned.pageCount());
        // learning maps them back; a page whose content another page of the library shares (e.g. zeros) is stored
        // once, so touching it counts for both
        Map<String, BitSet> back = LearnedPages.of(layout, bits(blocks)).byPath();
        assertThat(back.keySet()).isEqualTo(touched.keySet());
        touched.forEach((path, pages) -> {
            BitSet missing = (BitSet) pages.clone();
            missing.andNot(back.get(path));
            assertThat(missing.isEmpty()).as(path).isTrue();
        });

        RootHost.assumeRoot(); // the kernel's erofs driver reads every library of the chunked image back whole
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        run("mount", "-t", "erofs", "-o", "loop,ro", image.file().toString(), mnt.toString());
        try {
            for (Manifest.Entry e : manifest.files()) {
                assertThat(FileDigest.sha256(mnt.resolve(e.path().substring(1)))).as(e.path()).isEqualTo(e.sha256());
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    private static long blockOf(ErofsLayout.FileExtents f, int page) {
        return f.extents().stream().filter(e -> e.fileBlock() <= page && page < e.fileBlock() + e.blocks())
                .findFirst().map(e -> e.imageBlock() + page - e.fileBlock()).orElseThrow();
    }

    private static BitSet bits(TreeSet<Long> blocks) {
        BitSet b = new BitSet();
        blocks.forEach(x -> b.set(x.intValue()));
        return b;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
    }
}
