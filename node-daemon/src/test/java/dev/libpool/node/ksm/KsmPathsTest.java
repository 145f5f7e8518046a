package dev.libpool.node.ksm;

import dev.libpool.node.host.HostPaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** KSM paths follow the daemon's host root like the pools' (e.g. --host-root /host in a pod). */
class KsmPathsTest {

    @TempDir
    Path host;

    @Test
    void everyPathIsUnderTheHostRootAndSysfsGoesThroughTheHostInitWhenReadable() throws Exception {
        HostPaths paths = new HostPaths(host, "/var/lib/libpool");
        KsmPaths plain = KsmPaths.of(paths);
        assertThat(plain.sysfsKsmDir()).isEqualTo(host.resolve("sys/kernel/mm/ksm"));
        assertThat(plain.procRoot()).isEqualTo(host.resolve("proc"));
        assertThat(plain.meminfo()).isEqualTo(host.resolve("proc/meminfo"));
        assertThat(plain.originalsFile()).isEqualTo(host.resolve("var/lib/libpool/ksm-original.json"));

        Path throughInit = Files.createDirectories(host.resolve("proc/1/root/sys/kernel/mm/ksm"));
        Files.writeString(throughInit.resolve("run"), "0\n");
        assertThat(KsmPaths.of(paths).sysfsKsmDir()).isEqualTo(throughInit);
    }
}
