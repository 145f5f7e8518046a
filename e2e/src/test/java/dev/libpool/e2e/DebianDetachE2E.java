package dev.libpool.e2e;

import dev.libpool.e2e.lab.DistroProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Detach on request in the real Debian guest (after the apt run, with services mapping pool files):
 * every bind mount goes, the report says so, and only the pool's own read-only mount stays (attach can
 * run again). See DebianGuestRun.
 */
class DebianDetachE2E {

    @Test
    @Timeout(value = 45, unit = TimeUnit.MINUTES)
    void detachLeavesNoBindMountFromThePool() {
        DebianGuestRun run = DebianGuestRun.get(getClass().getSimpleName());
        DistroProbe probe = run.probe;
        assertThat(Integer.parseInt(probe.require(2, "upgrade-bind-mounts"))).as("bind mounts before the detach")
                .isPositive();
        assertThat(probe.require(2, "detach-rc")).as("detach.sh exit status").isEqualTo("0");
        assertThat(probe.require(2, "detach-bind-mounts")).as("bind mounts from the pool after the detach").isEqualTo("0");
        assertThat(probe.json(2, "detach-report").path("status").asText()).as("report after the detach")
                .isEqualTo("detached");
        assertThat(probe.require(2, "detach-library-bound")).isEqualTo("no");
        assertThat(probe.require(2, "pool-mounted")).as("the pool's own mount stays for a later attach").isEqualTo("yes");
        assertThat(probe.require(2, "done")).isNotNull();
    }
}
