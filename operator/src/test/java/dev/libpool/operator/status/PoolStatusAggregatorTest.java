package dev.libpool.operator.status;

import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PoolStatusAggregatorTest {
    private static final Instant T0 = Instant.parse("2026-11-26T07:00:00Z");
    private static final Instant T1 = Instant.parse("2026-11-26T08:00:00Z");

    @Test
    void noReportsMeansNotReadyWithAHint() {
        SharedLibraryPoolStatus status = at(T0).aggregate(pool(1), List.of());

        assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
        assertThat(condition(status, "Ready").getReason()).isEqualTo("NoNodes");
        assertThat(condition(status, "Ready").getMessage()).contains("spec.nodeSelector");
        assertThat(status.getNodes().getDesired()).isZero();
        assertThat(status.getObservedGeneration()).isEqualTo(1L);
    }

    @Test
    void allNodesReadyAtTheCurrentGenerationMakeThePoolReady() {
        SharedLibraryPoolStatus status = at(T0).aggregate(pool(2), List.of(
                report("node-a", state(NodePoolState.State.Ready, 2L, "sha256:aa", 100L)),
                report("node-b", state(NodePoolState.State.Ready, 2L, "sha256:aa", 50L))));

        assertThat(condition(status, "Ready").getStatus()).isEqualTo("True");
        assertThat(condition(status, "Degraded").getStatus()).isEqualTo("False");
        assertThat(status.getNodes().getReady()).isEqualTo(2);
        assertThat(status.getSavedBytes()).isEqualTo(150L);
        assertThat(status.getImage().getDigest()).isEqualTo("sha256:aa");
    }

    @Test
    void aNodeStillAtAnOlderGenerationIsNotReady() {
        SharedLibraryPoolStatus status = at(T0).aggregate(pool(3), List.of(
                report("node-a", state(NodePoolState.State.Ready, 3L, "sha256:bb", 0L)),
                report("node-b", state(NodePoolState.State.Ready, 2L, "sha256:aa", 0L))));

        assertThat(status.getNodes().getReady()).isEqualTo(1);
        assertThat(condition(status, "Ready").getReason()).isEqualTo("Building");
        assertThat(condition(status, "Ready").getMessage()).startsWith("1/2 nodes");
    }

    @Test
    void aFailedNodeDegradesThePoolAndNamesItsReason() {
        NodePoolState failed = state(NodePoolState.State.Failed, 1L, null, null);
        failed.setReason("SelectionTooLarge");
        failed.setMessage("412 MiB selected, spec.maxSize is 256Mi: raise spec.maxSize or narrow spec.include");

        SharedLibraryPoolStatus status = at(T0).aggregate(pool(1), List.of(
                report("node-a", state(NodePoolState.State.Ready, 1L, "sha256:aa", 0L)),
                report("node-b", failed)));

        assertThat(condition(status, "Degraded").getStatus()).isEqualTo("True");
        assertThat(condition(status, "Degraded").getMessage())
                .contains("node-b: SelectionTooLarge").contains("raise spec.maxSize");
        assertThat(condition(status, "Ready").getMessage()).contains("failed: node-b");
    }

    @Test
    void reportsOfOtherPoolsAreIgnored() {
        NodePoolReport other = report("node-a", state(NodePoolState.State.Ready, 1L, "sha256:cc", 7L));
        other.getStatus().getPools().get(0).setName("other");

        SharedLibraryPoolStatus status = at(T0).aggregate(pool(1), List.of(other));

        assertThat(status.getNodes().getDesired()).isZero();
        assertThat(status.getSavedBytes()).isZero();
    }

    @Test
    void transitionTimeMovesOnlyWhenTheConditionStatusChanges() {
        SharedLibraryPool pool = pool(1);
        List<NodePoolReport> ready = List.of(report("node-a", state(NodePoolState.State.Ready, 1L, "sha256:aa", 0L)));
        pool.setStatus(at(T0).aggregate(pool, ready));

        SharedLibraryPoolStatus same = at(T1).aggregate(pool, ready);
        assertThat(condition(same, "Ready").getLastTransitionTime()).isEqualTo("2026-11-26T07:00:00Z");

        SharedLibraryPoolStatus changed = at(T1).aggregate(pool, List.of());
        assertThat(condition(changed, "Ready").getLastTransitionTime()).isEqualTo("2026-11-26T08:00:00Z");
    }

    private static PoolStatusAggregator at(Instant instant) {
        return new PoolStatusAggregator(Clock.fixed(instant, ZoneOffset.UTC));
    }

    private static SharedLibraryPool pool(long generation) {
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName("libs").withGeneration(generation).build());
        pool.setStatus(null);
        return pool;
    }

    static NodePoolState state(NodePoolState.State state, Long generation, String digest, Long saved) {
        NodePoolState s = new NodePoolState();
        s.setName("libs");
        s.setState(state);
        s.setObservedGeneration(generation);
        s.setSavedBytes(saved);
        if (digest != null) {
            ImageInfo image = new ImageInfo();
            image.setDigest(digest);
            s.setImage(image);
        }
        return s;
    }

    static NodePoolReport report(String node, NodePoolState state) {
        NodePoolReport report = new NodePoolReport();
        report.setMetadata(new ObjectMetaBuilder().withName(node).build());
        report.getStatus().setNodeName(node);
        report.getStatus().getPools().add(state);
        return report;
    }

    private static Condition condition(SharedLibraryPoolStatus status, String type) {
        return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }
}
