package dev.libpool.node.ksm;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemInfoTest {
    @Test
    void readsTotalAndAvailable() {
        MemInfo mem = MemInfo.parse("MemTotal:       16384000 kB\nMemFree: 5 kB\nMemAvailable:    2000000 kB\n", "x");
        assertThat(mem).isEqualTo(new MemInfo(16_384_000, 2_000_000));
        assertThat(mem.usedKiB()).isEqualTo(14_384_000);
    }

    @Test
    void refusesAMeminfoWithoutMemAvailable() {
        assertThatThrownBy(() -> MemInfo.parse("MemTotal: 100 kB\n", "/proc/meminfo"))
                .hasMessageContaining("/proc/meminfo has no MemTotal/MemAvailable");
    }
}
