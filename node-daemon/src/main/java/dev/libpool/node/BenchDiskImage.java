package dev.libpool.node;

import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.pool.BuiltImage;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.FileTrees;
import dev.libpool.node.pool.GlobMatcher;
import dev.libpool.node.pool.ImageScripts;
import dev.libpool.node.pool.LibrarySelector;
import dev.libpool.node.pool.Manifest;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolGeometry;
import dev.libpool.node.pool.Selection;
import dev.libpool.node.pool.source.DiskImageReader;
import dev.libpool.node.pool.source.SourceTree;
import io.fabric8.kubernetes.api.model.Quantity;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code bench pool --disk-image FILE}: how fast a pool is built from a guest disk image with the default include:
 * reading the image (qcow2 decoding, partition table, the ext4 copy of the library directories and the link
 * targets outside them, all in Java), then selection and the EROFS build as for a hostPath.
 */
final class BenchDiskImage {

    private final Path image;
    private final int runs;

    BenchDiskImage(Path image, int runs) {
        this.image = image;
        this.runs = runs;
    }

    int run() throws IOException {
        Path scratch = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-bench-disk-");
        try {
            System.out.printf("bench pool --disk-image: %s (%.1f MiB on disk), %d run(s), scratch %s%n", image,
                    Files.size(image) / 1048576.0, runs, scratch);
            System.out.printf("%-4s %10s %11s %10s %7s %10s %10s %12s %8s%n", "run", "read s", "copied MiB",
                    "select s", "files", "lib MiB", "build s", "image MiB", "MB/s");
            List<String> include = SharedLibraryPoolSpec.DEFAULT_INCLUDE;
            for (int run = 1; run <= runs; run++) {
                long t0 = System.nanoTime();
                try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ);
                     SourceTree tree = DiskImageReader.extract(file, "--disk-image " + image,
                        new DiskImageReader.Hints(null, null), GlobMatcher.walkRoots(include), scratch, Long.MAX_VALUE / 16)) {
                    long t1 = System.nanoTime();
                    long copied = bytesUnder(tree.root());
                    Selection selection = new LibrarySelector(include, List.of(), false, Long.MAX_VALUE)
                            .select(tree.root(), tree.field());
                    long t2 = System.nanoTime();
                    BuiltImage built = new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS).build(
                            Manifest.of("bench", 1, selection), selection, ImageScripts.fromGuestModule(),
                            PoolGeometry.deviceSizeBytes(new Quantity(Long.toString(selection.totalBytes()))), scratch);
                    long t3 = System.nanoTime();
                    Files.delete(built.file());
                    double read = (t1 - t0) / 1e9, select = (t2 - t1) / 1e9, build = (t3 - t2) / 1e9;
                    System.out.printf(Locale.ROOT, "%-4d %10.2f %11.1f %10.2f %7d %10.1f %10.2f %12.1f %8.1f%n", run,
                            read, copied / 1048576.0, select, selection.files().size(), selection.totalBytes() / 1048576.0,
                            build, built.dataBytes() / 1048576.0, selection.totalBytes() / 1e6 / (read + select + build));
                }
            }
            System.out.println("read = qcow2 decoding (qcow2 only) + partition table + ext4 copy of lib, lib64, usr/lib,"
                    + " usr/lib64, usr/local/lib and the link targets outside them; copied MiB = what that copy holds;"
                    + " MB/s = library bytes / (read + select + build)");
            return 0;
        } catch (PoolFailure f) {
            System.err.println("bench pool --disk-image failed: " + f.reason() + ": " + f.getMessage());
            return 1;
        } finally {
            FileTrees.delete(scratch);
        }
    }

    private static long bytesUnder(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
