package dev.libpool.node;

import dev.libpool.node.pool.BuiltImage;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.ImageScripts;
import dev.libpool.node.pool.LibraryFile;
import dev.libpool.node.pool.LibrarySelector;
import dev.libpool.node.pool.Manifest;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolGeometry;
import dev.libpool.node.pool.Selection;
import dev.libpool.node.pool.SourceFacts;
import io.fabric8.kubernetes.api.model.Quantity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code bench pool}: how fast this host selects and builds a pool of its own library directory. */
final class BenchPool {

    static final String DEFAULT_SOURCE = "/usr/lib/x86_64-linux-gnu";

    private final Path source;
    private final int runs;

    BenchPool(Path source, int runs) {
        this.source = source;
        this.runs = runs;
    }

    int run() throws IOException {
        Path scratch = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-bench-");
        try {
            System.out.printf("bench pool: %s, %d run(s), scratch %s%n", source, runs, scratch);
            System.out.printf("%-4s %6s %8s %9s %9s %8s %7s %7s %8s %10s %7s%n", "run", "files", "lib MiB",
                    "read MiB", "select s", "stage s", "mkfs s", "hash s", "build s", "image MiB", "MB/s");
            SourceFacts facts = new SourceFacts(); // as the daemon keeps it from one pass to the next
            for (int run = 1; run <= runs; run++) {
                long read0 = facts.bytesRead();
                long t0 = System.nanoTime();
                // the host's "/" is the source root (links in the library directory point elsewhere under it)
                String include = Path.of("/").relativize(source.toAbsolutePath().normalize()) + "/**/*.so*";
                Selection selection = new LibrarySelector(List.of(include), List.of(), false, Long.MAX_VALUE, facts).select(Path.of("/"));
                long t1 = System.nanoTime();
                Quantity maxSize = new Quantity(Long.toString(selection.totalBytes()));
                BuiltImage image = new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS).build(
                        Manifest.of("bench", 1, selection), selection, ImageScripts.fromGuestModule(),
                        PoolGeometry.deviceSizeBytes(maxSize), scratch);
                long t2 = System.nanoTime();
                facts.restamp(selection.files().stream().map(LibraryFile::source).toList());
                Files.delete(image.file());
                double select = (t1 - t0) / 1e9, build = (t2 - t1) / 1e9;
                BuiltImage.Timing t = image.timing();
                System.out.printf(Locale.ROOT, "%-4d %6d %8.1f %9.1f %9.2f %8.2f %7.2f %7.2f %8.2f %10.1f %7.1f%n", run,
                        selection.files().size(), selection.totalBytes() / 1048576.0,
                        (facts.bytesRead() - read0) / 1048576.0, select, t.stageMillis() / 1e3, t.mkfsMillis() / 1e3,
                        t.hashMillis() / 1e3, build, image.dataBytes() / 1048576.0, selection.totalBytes() / 1e6 / (select + build));
            }
            System.out.println("select = walk + ELF check + sha256 of new or changed files (read MiB: source bytes read;"
                    + " run 1 is cold, later runs find the files unchanged); build = stage (hard links, copies where"
                    + " needed) + mkfs.erofs + padding + image sha256; image MiB = EROFS data before the sparse padding;"
                    + " MB/s = library bytes / (select + build)");
            return 0;
        } catch (PoolFailure f) {
            System.err.println("bench pool failed: " + f.reason() + ": " + f.getMessage());
            return 1;
        } finally {
            try (var walk = Files.walk(scratch)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
