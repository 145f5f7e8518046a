package dev.libpool.e2e;

import dev.libpool.e2e.lab.DistroProbe;
import dev.libpool.e2e.lab.UpgradeDebs;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * apt in the real Debian guest with the pool attached: {@code apt-get install --reinstall} of a substituted
 * library's package, then an upgrade of it to a version whose library differs. libpool's apt hook detaches
 * before dpkg and re-attaches after: dpkg never meets EBUSY, the reinstalled (identical) library is
 * substituted again, the upgraded one is not (its sha256 differs) and everything else still is.
 */
class DebianAptUpgradeE2E {

    @Test
    @Timeout(value = 45, unit = TimeUnit.MINUTES)
    void reinstallAndUpgradeOfASubstitutedLibraryNeverHitEbusyAndOnlyTheChangedOneStaysOwn() {
        DebianGuestRun run = DebianGuestRun.get(getClass().getSimpleName());
        DistroProbe probe = run.probe;
        int before = Integer.parseInt(probe.require(2, "boot-bind-mounts"));
        assertThat(probe.require(2, "boot-library-bound")).as("library substituted before apt").isEqualTo("yes");

        for (String step : new String[] {"reinstall", "upgrade"}) {
            String out = String.join("\n", probe.values(2, step + "-out"));
            assertThat(probe.require(2, step + "-rc")).as("apt-get " + step + " exit status; output:\n" + out).isEqualTo("0");
            assertThat(probe.require(2, step + "-busy")).as("'busy' lines in apt-get " + step + " output").isEqualTo("0");
            assertThat(probe.require(2, step + "-audit")).as("dpkg --audit lines after " + step).isEqualTo("0");
        }

        assertThat(probe.require(2, "reinstall-library-bound")).as("identical library after --reinstall").isEqualTo("yes");
        assertThat(Integer.parseInt(probe.require(2, "reinstall-bind-mounts"))).as("bind mounts after --reinstall")
                .isEqualTo(before);
        assertThat(probe.require(2, "reinstall-library-sha256")).isEqualTo(probe.require(2, "boot-library-sha256"));

        assertThat(probe.require(2, "upgrade-version")).as("installed version").endsWith(UpgradeDebs.SUFFIX);
        assertThat(probe.require(2, "upgrade-library-sha256")).as("library sha256 after the upgrade")
                .isNotEqualTo(probe.require(2, "boot-library-sha256"));
        assertThat(probe.require(2, "upgrade-library-bound")).as("changed library after the upgrade").isEqualTo("no");
        assertThat(Integer.parseInt(probe.require(2, "upgrade-bind-mounts"))).as("bind mounts after the upgrade")
                .isEqualTo(before - 1);
        JsonNode report = probe.json(2, "upgrade-report");
        assertThat(report.path("status").asText()).as("report after the upgrade").isEqualTo("attached");
        assertThat(report.path("skipped").path("sha256").path("count").asInt()).as("skipped for another sha256")
                .isEqualTo(1);
        assertThat(report.path("skipped").path("sha256").path("examples").toString()).contains(run.libraryRealPath);
    }
}
