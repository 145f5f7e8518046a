package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmSpec;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.libpool.node.ksm.KsmFixture.policy;
import static dev.libpool.node.ksm.KsmFixture.pool;
import static org.assertj.core.api.Assertions.assertThat;

class PoolPolicyArbiterTest {
    @Test
    void noPoolOrOnlyUnmanagedPoolsMeansNoWinner() {
        assertThat(PoolPolicyArbiter.arbitrate(List.of()).winner()).isEmpty();
        PoolPolicyArbiter.Arbitration a = PoolPolicyArbiter.arbitrate(List.of(
                pool("a", "2026-01-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Unmanaged)),
                pool("b", "2026-01-01T00:00:00Z", null)));
        assertThat(a.winner()).isEmpty();
        assertThat(a.overriddenPools()).isEmpty();
    }

    @Test
    void theOldestPoolWithAPolicyWinsAndUnmanagedPoolsAreNotOverridden() {
        PoolPolicyArbiter.Arbitration a = PoolPolicyArbiter.arbitrate(List.of(
                pool("new", "2026-03-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Off)),
                pool("watcher", "2025-01-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Unmanaged)),
                pool("old", "2026-01-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Advisor)),
                pool("middle", "2026-02-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Adaptive))));
        assertThat(a.winner().orElseThrow().getMetadata().getName()).isEqualTo("old");
        assertThat(a.overriddenPools()).containsExactly("middle", "new");
    }

    @Test
    void equalTimestampsAreDecidedByName() {
        PoolPolicyArbiter.Arbitration a = PoolPolicyArbiter.arbitrate(List.of(
                pool("zeta", "2026-01-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Off)),
                pool("alpha", "2026-01-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Off))));
        assertThat(a.winner().orElseThrow().getMetadata().getName()).isEqualTo("alpha");
        assertThat(a.overriddenPools()).containsExactly("zeta");
    }

    @Test
    void aPoolWithoutTimestampComesAfterStoredOnes() {
        PoolPolicyArbiter.Arbitration a = PoolPolicyArbiter.arbitrate(List.of(
                pool("a-unsaved", null, policy(KsmSpec.KsmPolicy.Off)),
                pool("b-stored", "2026-06-01T00:00:00Z", policy(KsmSpec.KsmPolicy.Off))));
        assertThat(a.winner().orElseThrow().getMetadata().getName()).isEqualTo("b-stored");
    }
}
