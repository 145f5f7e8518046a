package dev.libpool.node.host;

import dev.libpool.api.v1alpha1.VmContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 19, defect 7: the pool mounts' SELinux context option, built without a host (fixture /sys trees). */
class SelinuxMountTest {

    @TempDir
    Path host;

    @Test
    void whereSelinuxIsEnabledTheMountGetsKubevirtsContainerFileContext() throws Exception {
        Files.createDirectories(host.resolve("sys/fs/selinux"));
        Files.writeString(host.resolve("sys/fs/selinux/enforce"), "1");
        HostPaths paths = new HostPaths(host, "/var/lib/libpool");
        assertThat(SelinuxMount.enabled(paths)).isTrue();
        assertThat(SelinuxMount.mountData("size=1048576,mode=0755", SelinuxMount.effective(paths)))
                .isEqualTo("size=1048576,mode=0755,context=system_u:object_r:container_file_t:s0");
        assertThat(SelinuxMount.effective(new HostPaths(host, "/var/lib/libpool", SelinuxMount.NONE))).isEmpty();
        assertThat(SelinuxMount.effective(new HostPaths(host, "/var/lib/libpool", ""))).isEmpty();
    }

    @Test
    void withoutSelinuxNoContextIsPassedWhateverIsConfigured() {
        HostPaths paths = new HostPaths(host, "/var/lib/libpool", "system_u:object_r:svirt_image_t:s0");
        assertThat(SelinuxMount.enabled(paths)).isFalse();
        assertThat(SelinuxMount.mountData("size=1,mode=0755", SelinuxMount.effective(paths))).isEqualTo("size=1,mode=0755");
    }

    @Test
    void categoriesWithCommasAreQuotedIntoOneOption() {
        assertThat(SelinuxMount.mountData("size=1", "system_u:object_r:container_file_t:s0:c1,c2"))
                .isEqualTo("size=1,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
    }

    @Test
    void aContextThatWouldInjectOptionsIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new HostPaths(host, "/var/lib/libpool", "system_u:object_r:x:s0\",size=0"))
                .hasMessageContaining("--mount-context (chart value nodeDaemon.selinuxMountContext)")
                .hasMessageContaining(VmContract.POOL_MOUNT_SELINUX_CONTEXT);
        assertThatThrownBy(() -> new HostPaths(host, "/var/lib/libpool", "a b")).hasMessageContaining("not an SELinux context");
    }

    /** This host: SELinux is off, so the daemon's default context is not passed (mount(2) would refuse it). */
    @Test
    void onThisHostTheDefaultContextIsNotPassed() {
        HostPaths here = HostPaths.ofHost();
        org.junit.jupiter.api.Assumptions.assumeFalse(SelinuxMount.enabled(here), "SELinux is enabled on this host");
        assertThat(here.mountContext()).isEqualTo(VmContract.POOL_MOUNT_SELINUX_CONTEXT);
        assertThat(SelinuxMount.effective(here)).isEmpty();
    }
}
