package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.pool.PoolService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Images that cost far more to read than they weigh stop at the read's budget (scratch bytes, entries, time)
 * within seconds, with their reason; a full scratch disk is the node's problem (MediumFull, tried again on the
 * next pass), never the image's.
 */
class DiskImageBudgetIT extends ImageWorkspace {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "a sparse library of 10 GiB             | DiskImageOverBudget   | needs more than 536870912 bytes of scratch space (8 x spec.maxSize) (at usr/lib/x86_64-linux-gnu/libhuge.so.1)",
        "256 hard links to one 8 MiB file       | Published             | serving 5 libraries",
        "a directory that contains itself       | Published             | left out 1 entr(ies), e.g. usr/lib/x86_64-linux-gnu/loop (a directory met twice",
        "20,000 links                           | Published             | serving 5 libraries",
        "210,000 hard links                     | DiskImageOverBudget   | needs more than 200000 files, links and directories",
        "a 64 GiB qcow2 of one cluster          | UnknownPartitionTable | neither a GPT nor an MBR"})
    void aReadStopsAtItsBudgetWithinSeconds(String what, String reason, String message) throws Exception {
        Path libdir = tree.resolve("usr/lib/x86_64-linux-gnu");
        Path image = dir.resolve("bomb.raw");
        int mib = 48;
        switch (what) {
            case "a sparse library of 10 GiB" -> DiskImages.run("truncate", "-s", "10G", libdir.resolve("libhuge.so.1").toString());
            case "256 hard links to one 8 MiB file" -> {
                byte[] data = new byte[8 << 20];
                new Random(7).nextBytes(data);
                Path big = Files.write(Files.createDirectories(libdir.resolve("links")).resolve("big-0"), data);
                for (int i = 1; i < 256; i++) {
                    Files.createLink(big.resolveSibling("big-" + i), big);
                }
            }
            case "20,000 links" -> {
                DiskImages.manyLinks(libdir, 20, 1000);
                mib = 200; // an inode each
            }
            case "210,000 hard links" -> {
                DiskImages.manyHardLinks(libdir, 700, 300);
                mib = 160;
            }
            default -> { }
        }
        switch (what) {
            case "a directory that contains itself" -> {
                DiskImages.rawImage(tree, image, null, mib);
                DiskImages.run("debugfs", "-w", "-R", "link /usr/lib /usr/lib/x86_64-linux-gnu/loop", image.toString());
            }
            case "a 64 GiB qcow2 of one cluster" -> {
                Path raw = DiskImages.rawImage(tree, dir.resolve("one.raw"), null, mib);
                image = dir.resolve("bomb.qcow2");
                Crafted.oneClusterEverywhere(image, DiskImageReader.MAX_IMAGE_BYTES, Crafted.read(raw, 1 << 16, 1 << 16));
                assertThat(Files.size(image)).as("the file: its tables and one cluster").isLessThan(9L << 20);
            }
            default -> DiskImages.rawImage(tree, image, null, mib);
        }
        HostPaths paths = paths();
        long start = System.nanoTime();
        PoolService.Result r = PoolService.onHost(DiskImages.pool("bomb", PoolSource.diskImage(image.toString())),
                "test", paths).reconcile();
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        System.out.printf("DiskImageBudgetIT: %s: %s in %.1f s%n", what, r.state().getReason(), took.toMillis() / 1e3);
        assertThat(r.state().getReason()).as(r.state().getMessage()).isEqualTo(reason);
        assertThat(r.state().getMessage()).contains(message);
        assertThat(took).as("the read's time").isLessThan(Duration.ofSeconds(60));
        assertThat(Files.list(paths.buildDir())).as("no scratch left behind").isEmpty();
        if (reason.equals("DiskImageOverBudget")) {
            PoolService.Result again = PoolService.onHost(DiskImages.pool("bomb", PoolSource.diskImage(image.toString())),
                    "test", paths).reconcile();
            assertThat(again.state().getMessage()).as("remembered").contains("the image is unchanged since");
        }
    }

    @Test
    void aFullScratchDiskIsMediumFullAndTheImageIsReadAgainOnceThereIsRoom() throws Exception {
        Path image = DiskImages.rawImage(tree, dir.resolve("disk.raw"), "gpt", 48);
        HostPaths paths = paths();
        Path build = Files.createDirectories(paths.buildDir());
        DiskImages.run("mount", "-t", "tmpfs", "-o", "size=16k", "libpool-test-full", build.toString());
        PoolService.Result full;
        try {
            full = PoolService.onHost(DiskImages.pool("full", PoolSource.diskImage(image.toString())), "test", paths)
                    .reconcile();
        } finally {
            DiskImages.run("umount", build.toString());
        }
        assertThat(full.state().getReason()).as(full.state().getMessage()).isEqualTo("MediumFull");
        assertThat(full.state().getMessage()).contains("the scratch directory " + build + " is full")
                .contains("No space left on device").contains("retried every pass");

        PoolService.Result roomy = PoolService.onHost(DiskImages.pool("full", PoolSource.diskImage(image.toString())),
                "test", paths).reconcile();
        assertThat(roomy.ready()).as("not remembered as the image's failure: " + roomy.state().getMessage()).isTrue();
    }

}
