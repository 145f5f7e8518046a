package dev.libpool.e2e.demo;

import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.HostMemory;
import dev.libpool.node.ksm.KsmMeasurement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * Takes one {@link Sample}: the lab's host-memory measurement of a mode's guests plus KSM's counters. The node
 * daemon's pass runs for the lab's pool as on a node, so its pass-time work (a PageCache pool drops the pages no
 * guest maps) is part of what is measured.
 */
final class HostSampler {

    /**
     * How often the pool's node-daemon pass runs while sampling: 10 s so that a mode's figures settle after a
     * pass within the guests' boot time. A node's daemon runs its pass every 60 s and on every change.
     */
    static final Duration DAEMON_PASS = Duration.ofSeconds(10);

    private final GuestLab lab;
    private final KsmSwitch ksm;
    private long lastPassMillis;

    /** @param lab the lab whose pool (on the medium of the modes sampled) the figures include */
    HostSampler(GuestLab lab, KsmSwitch ksm) {
        this.lab = lab;
        this.ksm = ksm;
    }

    /** @param ready how many of {@code guests} (all started) are ready */
    Sample sample(Mode mode, List<Guest> guests, int ready) {
        if (System.currentTimeMillis() - lastPassMillis >= DAEMON_PASS.toMillis()) {
            lab.pool().ifPresent(pool -> pool.reconcile());
            lastPassMillis = System.currentTimeMillis();
        }
        HostMemory memory = lab.measure(guests);
        KsmMeasurement k;
        try {
            k = ksm.measure();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read KSM's counters: " + e.getMessage(), e);
        }
        // The lab's pool exists in every mode; only the pool modes' guests map it, so only they pay for it.
        boolean pool = mode.usesPool();
        return new Sample(System.currentTimeMillis(), guests.size(), ready, memory.qemuPssBytes(),
                pool ? memory.poolMappedPssBytes() : 0, memory.usedBytes(), pool ? memory.poolResidentBytes() : 0,
                k.reading().counter("pages_sharing").orElse(0L), k.profitBytes(),
                k.reading().counter("full_scans").orElse(0L), k.ksmdCpuSeconds().orElse(0.0),
                pool ? memory.poolMappers() : 0, pool ? memory.poolRssBytes() : 0);
    }
}
