package dev.libpool.e2e;

import dev.libpool.e2e.lab.DistroProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same Debian guest's second boot: the early-boot unit installed on the first attaches before
 * sysinit.target, so sshd (started later) maps every library from the pool device. systemd-journald starts
 * before the unit can run (it is needed to log early boot), so it keeps its own copies: checked both ways.
 */
class DebianSecondBootE2E {

    @Test
    @Timeout(value = 45, unit = TimeUnit.MINUTES)
    void theUnitAttachesBeforeSysinitAndSshdMapsItsLibrariesFromThePool() {
        DebianGuestRun run = DebianGuestRun.get(getClass().getSimpleName());
        DistroProbe probe = run.probe;
        String unit = "libpool-" + probe.require(2, "pool") + ".service";
        assertThat(probe.require(2, "unit-active")).as(unit + " on the second boot").isEqualTo("active");
        long attached = probe.activeAt(2, unit);
        assertThat(attached).as(unit + " activation (µs)").isPositive();
        assertThat(attached).as(unit + " active before sysinit.target").isLessThan(probe.activeAt(2, "sysinit.target"));
        assertThat(probe.json(2, "boot-report").path("status").asText()).as("report status").isEqualTo("attached");
        assertThat(probe.require(2, "boot-bind-mounts")).as("bind mounts, second boot vs first")
                .isEqualTo(probe.require(1, "boot-bind-mounts"));

        String poolDevice = probe.poolMapsDevice(2);
        assertThat(poolDevice).as("pool device of the second boot").isNotEmpty();
        List<DistroProbe.Mapping> sshd = probe.mappings(2).stream().filter(m -> m.program().equals("sshd")).toList();
        System.out.println("DebianSecondBootE2E: sshd maps " + sshd.size() + " libraries, pool device " + poolDevice
                + ": " + sshd);
        assertThat(sshd).as("sshd library mappings").hasSizeGreaterThan(3);
        assertThat(sshd).as("sshd libraries mapped from the pool device " + poolDevice)
                .allMatch(m -> m.device().equals(poolDevice));

        List<DistroProbe.Mapping> journald = probe.mappings(2).stream()
                .filter(m -> m.program().equals("systemd-journald")).toList();
        long fromPool = journald.stream().filter(m -> m.device().equals(poolDevice)).count();
        System.out.println("DebianSecondBootE2E: systemd-journald maps " + fromPool + " of " + journald.size()
                + " libraries from the pool (started at " + probe.activeAt(2, "systemd-journald.service")
                + " µs, the attach at " + attached + " µs)");
        assertThat(journald).as("systemd-journald library mappings").isNotEmpty();
        if (probe.activeAt(2, "systemd-journald.service") < attached) {
            assertThat(fromPool).as("journald started before the attach maps nothing from the pool").isZero();
        } else {
            assertThat(fromPool).as("journald started after the attach maps all from the pool").isEqualTo(journald.size());
        }
    }
}
