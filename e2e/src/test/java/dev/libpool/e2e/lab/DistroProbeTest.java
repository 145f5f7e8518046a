package dev.libpool.e2e.lab;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DistroProbeTest {
    private static final String PORT = String.join("\n",
            "noise before",
            "LIBPOOL-DISTRO 1 start 6.1.0-57-amd64",
            "\u0000LIBPOOL-DISTRO 1 boot-report {\"pool\": \"p\", \"status\": \"attached\"}",
            "LIBPOOL-DISTRO 1 pool-dev 259:0 103:00",
            "LIBPOOL-DISTRO 2 active-at libpool-p.service 4100200",
            "LIBPOOL-DISTRO 2 active-at sysinit.target 5200300",
            "LIBPOOL-DISTRO 2 map sshd 103:00 /usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
            "LIBPOOL-DISTRO 2 map sshd fe:01 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "LIBPOOL-DISTRO 2 upgrade-out Setting up zlib1g",
            "LIBPOOL-DISTRO 2 upgrade-out Processing triggers",
            "LIBPOOL-DISTRO 2 done",
            "LIBPOOL-DISTRO x broken line");

    @Test
    void readsLinesPerBootAndKey() {
        DistroProbe probe = DistroProbe.parse(PORT);
        assertThat(probe.lines()).hasSize(10);
        assertThat(probe.require(1, "start")).isEqualTo("6.1.0-57-amd64");
        assertThat(probe.json(1, "boot-report").path("status").asText()).isEqualTo("attached");
        assertThat(probe.poolMapsDevice(1)).isEqualTo("103:00");
        assertThat(probe.poolMapsDevice(2)).isEmpty();
        assertThat(probe.activeAt(2, "sysinit.target")).isEqualTo(5200300L);
        assertThat(probe.values(2, "upgrade-out")).containsExactly("Setting up zlib1g", "Processing triggers");
        assertThat(probe.has(2, "done")).isTrue();
        assertThat(probe.mappings(2)).extracting(DistroProbe.Mapping::device).containsExactly("103:00", "fe:01");
    }

    @Test
    void aMissingKeyNamesWhatTheProbeDidPrint() {
        DistroProbe probe = DistroProbe.parse(PORT);
        assertThat(probe.value(1, "done")).isEmpty();
        assertThatThrownBy(() -> probe.require(1, "done")).hasMessageContaining("no 'done' in boot 1");
        assertThatThrownBy(() -> probe.activeAt(1, "ssh.service")).hasMessageContaining("ssh.service");
    }
}
