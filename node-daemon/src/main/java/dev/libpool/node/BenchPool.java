package dev.libpool.node;

import dev.libpool.node.pool.BuiltImage;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.FileTrees;
import dev.libpool.node.pool.ImageScripts;
import dev.libpool.node.pool.LibrarySelector;
import dev.libpool.node.pool.Manifest;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolGeometry;
import dev.libpool.node.pool.Selection;
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
            System.out.printf("%-4s %7s %12s %10s %10s %10s %12s %8s%n",
                    "run", "files", "lib MiB", "select s", "mkfs s", "build s", "image MiB", "MB/s");
            for (int run = 1; run <= runs; run++) {
                long t0 = System.nanoTime();
                // the host's "/" is the source root (links in the library directory point elsewhere under it)
                String include = Path.of("/").relativize(source.toAbsolutePath().normalize()) + "/**/*.so*";
                Selection selection = new LibrarySelector(List.of(include), List.of(), false, Long.MAX_VALUE).select(Path.of("/"));
                long t1 = System.nanoTime();
                Quantity maxSize = new Quantity(Long.toString(selection.totalBytes()));
                BuiltImage image = new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS).build(
                        Manifest.of("bench", 1, selection), selection, ImageScripts.fromGuestModule(),
                        PoolGeometry.deviceSizeBytes(maxSize), scratch);
                long t2 = System.nanoTime();
                Files.delete(image.file());
                double select = (t1 - t0) / 1e9, build = (t2 - t1) / 1e9;
                System.out.printf(Locale.ROOT, "%-4d %7d %12.1f %10.2f %10.2f %10.2f %12.1f %8.1f%n", run,
                        selection.files().size(), selection.totalBytes() / 1048576.0, select, image.mkfsMillis() / 1e3,
                        build, image.dataBytes() / 1048576.0, selection.totalBytes() / 1e6 / (select + build));
            }
            System.out.println("select = walk + ELF check + sha256; build = staging copy + mkfs.erofs + padding + sha256;"
                    + " image MiB = EROFS data before the sparse padding; MB/s = library bytes / (select + build)");
            return 0;
        } catch (PoolFailure f) {
            System.err.println("bench pool failed: " + f.reason() + ": " + f.getMessage());
            return 1;
        } finally {
            FileTrees.delete(scratch);
        }
    }
}
