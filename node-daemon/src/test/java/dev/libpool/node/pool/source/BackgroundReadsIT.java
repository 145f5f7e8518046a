package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.PoolService;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two pools of one daemon: while a hostile image (210,000 hard links: over the read's entry budget) is read on
 * the reader thread, the other pool is built and served; the hostile one is Building meanwhile, then fails with
 * its reason on the pass the finished read asks for.
 */
class BackgroundReadsIT extends ImageWorkspace {


    @Test
    void theOtherPoolIsServedWhileAHostileImageIsRead() throws Exception {
        Path hostile = dir.resolve("hostile-root");
        DiskImages.guestTree(hostile, 2);
        DiskImages.manyHardLinks(hostile.resolve("usr/lib/x86_64-linux-gnu"), 700, 300);
        Path image = DiskImages.rawImage(hostile, dir.resolve("hostile.raw"), null, 160);
        HostPaths paths = paths();
        CountDownLatch readEnded = new CountDownLatch(1);

        try (BackgroundReads reads = new BackgroundReads(paths.buildDir(), readEnded::countDown)) {
            PoolService slow = service("hostile", PoolSource.diskImage(image.toString()), paths, reads);
            PoolService good = service("good", PoolSource.hostPath(tree.toString()), paths, reads);

            long start = System.nanoTime();
            PoolService.Result reading = slow.reconcile();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(reading.state().getState()).as(reading.state().getMessage()).isEqualTo(NodePoolState.State.Building);
            assertThat(reading.state().getReason()).isEqualTo("DiskImageReading");
            assertThat(reading.state().getMessage()).contains("is being read in the background");

            PoolService.Result served = good.reconcile();
            assertThat(served.ready()).as(served.state().getMessage()).isTrue();
            assertThat(readEnded.getCount()).as("the hostile read still ran when the other pool was served").isEqualTo(1);
            assertThat(slow.reconcile().state().getState()).isEqualTo(NodePoolState.State.Building);
            System.out.printf("BackgroundReadsIT: the other pool served %.1f s after the hostile read started%n",
                    (System.nanoTime() - start) / 1e9);

            assertThat(readEnded.await(120, TimeUnit.SECONDS)).as("the read ended and asked for a pass").isTrue();
            System.out.printf("BackgroundReadsIT: the hostile read ended after %.1f s%n", (System.nanoTime() - start) / 1e9);
            PoolService.Result failed = slow.reconcile();
            assertThat(failed.state().getReason()).as(failed.state().getMessage()).isEqualTo("DiskImageOverBudget");
            assertThat(failed.state().getMessage()).contains("needs more than 200000 files, links and directories");
            assertThat(reads.pending("hostile")).isFalse();
        }
        assertThat(Files.list(paths.buildDir().resolve("background"))).as("no scratch left behind").isEmpty();
    }

    private static PoolService service(String name, PoolSource source, HostPaths paths, BackgroundReads reads) {
        return new PoolService(DiskImages.pool(name, source), "test", paths, new JnaNatives(),
                new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS), PoolSources.onHost(paths).readingIn(reads));
    }
}
