package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestConsole;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.GuestSpec;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.PoolHost;
import dev.libpool.e2e.lab.Progress;
import dev.libpool.node.learn.LearnedBuild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * Learning and the dense layout with a real guest: a PageCache pool with {@code learnedLayout: Dense} is
 * published plain, one guest runs its workload on it, the node daemon's passes learn what it touched and
 * publish a dense, chunk-based generation; a second guest attaches that one with DAX and loads its
 * libraries from it; alone on it, it keeps less of the image resident than the first guest did on the plain one
 * (the lab's QEMUs run without transparent huge pages; see docs/node-daemon.md for MADV_HUGEPAGE).
 */
class LearnedLayoutE2E {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void aGuestAttachesTheDenseGenerationLearnedFromAnotherWithDax() throws Exception {
        LabTests.assumeGuests("LearnedLayoutE2E");

        Path work = Path.of("target/e2e-learned").toAbsolutePath();
        removeState(work.resolve("state")); // what an earlier run learned would make the first build dense
        Files.createDirectories(work);
        Path yaml = work.resolve("dense-pool.yaml");
        Files.writeString(yaml, """
                apiVersion: libpool.dev/v1alpha1
                kind: SharedLibraryPool
                metadata:
                  name: e2e-dense
                  generation: 1
                spec:
                  source:
                    hostPath:
                      path: %s
                  maxSize: 1Gi
                  namespaceSelector: {}
                  medium: PageCache
                  learnedLayout: Dense
                """.formatted(work.resolve("guest-root")));
        GuestLab lab = LabTests.open("LearnedLayoutE2E", LabOptions.withPool(work).poolFrom(yaml).withoutHugePages(),
                Progress.toStdout());
        try (AutoCloseable cleanUp = () -> removeState(work.resolve("state")); lab) { // lab closes first
            PoolHost pool = lab.pool().orElseThrow();
            String plain = pool.state().getImage().getDigest();
            Guest first = lab.bootAll(List.of(GuestSpec.withPool("learn-1").withoutKsm()), 1, READY_TIMEOUT).get(0);
            assertAttachedWithDax(first);

            NodePoolState state = pool.reconcile();
            long plainResident = state.getResidentBytes();
            var learnedFromFirst = state.getUsed();
            assertThat(learnedFromFirst.getFiles()).as("libraries the first guest touched").isGreaterThan(20);
            for (int pass = 0; pass <= LearnedBuild.SETTLE_PASSES && state.getImage().getDigest().equals(plain); pass++) {
                state = pool.reconcile();
            }
            assertThat(state.getImage().getDigest()).as("a dense generation was published").isNotEqualTo(plain);
            assertThat(state.getRetainedGenerations()).as("the plain one stays while the first guest maps it").isEqualTo(1);

            Guest second = lab.bootAll(List.of(GuestSpec.withPool("learn-2").withoutKsm()), 1, READY_TIMEOUT).get(0);
            assertAttachedWithDax(second);
            NodePoolState after = pool.reconcile();
            assertThat(after.getMappers()).isEqualTo(2);
            assertThat(after.getUsed().getFiles()).as("the second guest touched the dense generation").isGreaterThan(20);

            // one guest each: the first on the plain layout, now the second alone on the dense one
            lab.destroy(first);
            NodePoolState dense = pool.reconcile();
            for (int i = 0; i < 10 && dense.getRetainedGenerations() > 0; i++) { // until its QEMU is gone
                Progress.sleep(Duration.ofSeconds(1));
                dense = pool.reconcile();
            }
            assertThat(dense.getRetainedGenerations()).as("the plain generation was collected").isZero();
            System.out.printf("LearnedLayoutE2E (PageCache, 1 guest each): plain %s: touched %d MiB (%d libraries),"
                            + " resident %d MiB; dense %s: touched %d MiB (%d libraries), resident %d MiB%n",
                    plain, learnedFromFirst.getBytes() >> 20, learnedFromFirst.getFiles(), plainResident >> 20,
                    dense.getImage().getDigest(), dense.getUsed().getBytes() >> 20, dense.getUsed().getFiles(),
                    dense.getResidentBytes() >> 20);
            assertThat(dense.getResidentBytes()).as("the dense layout keeps less of the image resident")
                    .isLessThan(plainResident);
        }
    }

    /** The PageCache pool's files stay on disk, immutable: lift the flag and delete them. */
    private static void removeState(Path state) throws Exception {
        if (!Files.exists(state)) {
            return;
        }
        Process p = new ProcessBuilder("chattr", "-R", "-i", state.toString()).inheritIO().start();
        p.waitFor(60, TimeUnit.SECONDS);
        try (var walk = Files.walk(state)) {
            for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    private static void assertAttachedWithDax(Guest guest) {
        GuestConsole console = guest.console();
        JsonNode report = console.report().orElseThrow(() -> new AssertionError(guest + " printed no report.json\n"
                + console.tail(30)));
        assertThat(report.path("status").asText()).as(guest + " report status\n" + console.tail(30)).isEqualTo("attached");
        assertThat(report.path("dax").asBoolean()).as(guest + " report dax").isTrue();
        assertThat(console.erofsMounts()).as(guest + " erofs mount").anyMatch(m -> m.contains("dax=always"));
        assertThat(console.workloadFailures()).as(guest + " workload failures").isEmpty();
        assertThat(console.poolMappings()).as(guest + " libraries mapped from the pool").hasSizeGreaterThan(20);
    }
}
