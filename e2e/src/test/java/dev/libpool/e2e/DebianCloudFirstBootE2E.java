package dev.libpool.e2e;

import dev.libpool.e2e.lab.DistroProbe;
import com.fasterxml.jackson.databind.JsonNode;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.guest.CloudInitBootstrap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real Debian 12 cloud image (systemd, cloud-init) on its first boot: cloud-init runs the bootstrap
 * that CloudInitBootstrap merged into the user's data, the pool attaches, the early-boot unit and the apt
 * hook are installed, and the report says what was substituted. See DebianGuestRun.
 */
class DebianCloudFirstBootE2E {

    @Test
    @Timeout(value = 45, unit = TimeUnit.MINUTES)
    void cloudInitRunsTheBootstrapWhichAttachesThePoolAndInstallsTheBootHooks() {
        DebianGuestRun run = DebianGuestRun.get(getClass().getSimpleName());
        DistroProbe probe = run.probe;
        String pool = probe.require(1, "pool");

        assertThat(CloudInitBootstrap.pools(run.userData)).as("pools in the merged user data").hasSize(1);
        assertThat(run.userData).as("merged user data keeps the user's own keys").contains("ssh_pwauth: false");
        assertThat(run.userData.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                .as("the merged user data fits KubeVirt's inline limit").isLessThanOrEqualTo(VmContract.INLINE_USER_DATA_LIMIT);
        assertThat(probe.require(1, "cloud-init")).as("cloud-init status on the first boot").contains("done");
        assertThat(probe.require(1, "unit-file")).as("early-boot unit libpool-" + pool + ".service").isEqualTo("present");
        assertThat(probe.require(1, "unit-enabled")).as("early-boot unit enabled").isEqualTo("enabled");
        assertThat(probe.require(1, "apt-hook")).as("apt DPkg hook").isEqualTo("present");

        JsonNode report = probe.json(1, "boot-report");
        assertThat(report.path("pool").asText()).as("report pool").isEqualTo(pool);
        assertThat(report.path("status").asText()).as("report status").isEqualTo("attached");
        assertThat(report.path("dax").asBoolean()).as("report dax").isTrue();
        assertThat(report.path("substituted").path("files").asInt()).as("substituted files").isGreaterThan(20);
        assertThat(report.path("skipped").path("sha256").path("count").asInt()).as("skipped for another sha256")
                .isZero();
        assertThat(Integer.parseInt(probe.require(1, "boot-bind-mounts"))).as("bind mounts from the pool")
                .isEqualTo(report.path("substituted").path("files").asInt());
        assertThat(probe.require(1, "boot-library-bound")).as(run.libraryRealPath + " substituted").isEqualTo("yes");
    }
}
