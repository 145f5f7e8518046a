package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmSpec;
import dev.libpool.api.v1alpha1.SharedLibraryPool;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Picks the one pool whose KSM policy a node follows when several pools that select it have one.
 * Rule (documented in the API): only pools whose spec.ksm.policy is not Unmanaged take part; the pool with
 * the oldest metadata.creationTimestamp wins, ties broken by the smaller name; the others are overridden.
 * The oldest pool wins so that creating a pool never changes the KSM tuning of nodes already tuned.
 */
public final class PoolPolicyArbiter {
    /** The winner (empty when no pool asks for KSM tuning) and the overridden pools' names, in rule order. */
    public record Arbitration(Optional<SharedLibraryPool> winner, List<String> overriddenPools) { }

    private static final Comparator<SharedLibraryPool> RULE =
            Comparator.comparing(PoolPolicyArbiter::created).thenComparing(p -> p.getMetadata().getName());

    private PoolPolicyArbiter() { }

    public static Arbitration arbitrate(List<SharedLibraryPool> pools) {
        List<SharedLibraryPool> candidates = pools.stream().filter(PoolPolicyArbiter::asksForTuning).sorted(RULE).toList();
        if (candidates.isEmpty()) {
            return new Arbitration(Optional.empty(), List.of());
        }
        return new Arbitration(Optional.of(candidates.get(0)),
                candidates.subList(1, candidates.size()).stream().map(p -> p.getMetadata().getName()).toList());
    }

    public static KsmSpec.KsmPolicy policyOf(SharedLibraryPool pool) {
        KsmSpec ksm = pool.getSpec() == null ? null : pool.getSpec().getKsm();
        return ksm == null || ksm.getPolicy() == null ? KsmSpec.KsmPolicy.Unmanaged : ksm.getPolicy();
    }

    private static boolean asksForTuning(SharedLibraryPool pool) {
        return policyOf(pool) != KsmSpec.KsmPolicy.Unmanaged;
    }

    /** A pool not yet stored by the API server has no timestamp: it sorts after every stored pool. */
    private static Instant created(SharedLibraryPool pool) {
        String timestamp = pool.getMetadata().getCreationTimestamp();
        if (timestamp == null) {
            return Instant.MAX;
        }
        try {
            return Instant.parse(timestamp);
        } catch (DateTimeParseException e) {
            return Instant.MAX;
        }
    }
}
