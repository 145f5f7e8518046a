package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmAdaptiveSpec;
import dev.libpool.api.v1alpha1.KsmSpec;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Runs the Adaptive loop on its own interval (ksm.adaptive.intervalSeconds) whatever the daemon's reconcile
 * period, and carries its state between evaluations. A change of pool starts the loop afresh.
 */
class AdaptiveSchedule {
    private final Path meminfo;
    private final Clock clock;
    private String owner;
    private AdaptiveLoop.State state = AdaptiveLoop.State.STOPPED;
    private AdaptiveLoop.Step lastStep;
    private Instant lastEvaluation;

    AdaptiveSchedule(Path meminfo, Clock clock) {
        this.meminfo = meminfo;
        this.clock = clock;
    }

    /** The knobs the loop asks for now: a new evaluation when due, else the last one's. */
    KsmSettings settings(KsmSpec spec, String poolName) throws IOException {
        KsmAdaptiveSpec adaptive = spec.getAdaptive() == null ? new KsmAdaptiveSpec() : spec.getAdaptive();
        Instant now = clock.instant();
        if (!Objects.equals(owner, poolName)) {
            reset();
        }
        if (lastStep == null || !now.isBefore(lastEvaluation.plus(Duration.ofSeconds(adaptive.getIntervalSeconds())))) {
            lastStep = AdaptiveLoop.next(adaptive, spec.getPagesToScan(), MemInfo.read(meminfo), state);
            state = lastStep.next();
            lastEvaluation = now;
            owner = poolName;
        }
        return lastStep.settings();
    }

    void reset() {
        owner = null;
        state = AdaptiveLoop.State.STOPPED;
        lastStep = null;
        lastEvaluation = null;
    }
}
