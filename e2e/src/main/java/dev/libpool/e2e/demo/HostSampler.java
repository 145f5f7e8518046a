package dev.libpool.e2e.demo;

import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.HostMemory;
import dev.libpool.node.ksm.KsmMeasurement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Takes one {@link Sample}: the lab's host-memory measurement of a mode's guests plus KSM's counters. */
final class HostSampler {

    private final GuestLab lab;
    private final KsmSwitch ksm;

    /** @param lab the lab whose pool (on the medium of the modes sampled) the figures include */
    HostSampler(GuestLab lab, KsmSwitch ksm) {
        this.lab = lab;
        this.ksm = ksm;
    }

    /** @param ready how many of {@code guests} (all started) are ready */
    Sample sample(Mode mode, List<Guest> guests, int ready) {
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
