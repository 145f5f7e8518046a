package dev.libpool.e2e.lab;

import dev.libpool.node.pool.FileKey;
import dev.libpool.node.pool.SmapsUsage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HostMemoryTest {
    private static final String SMAPS = String.join("\n",
            "7f0000000000-7f0000200000 r--s 00000000 00:2f 4242                       /state/pools/p/pool.img",
            "Size:               2048 kB",
            "Rss:                1024 kB",
            "Pss:                 512 kB",
            "7f0000200000-7f0000400000 rw-p 00000000 00:00 0 ",
            "Pss:                4096 kB",
            "7f0000400000-7f0000600000 r--s 00200000 00:2f 4242                       /state/pools/p/pool.img (deleted)",
            "Pss:                 100 kB",
            "");

    @Test
    void sumsThePssOfEveryMappingOfThePoolFile() {
        // HostMemory counts the pool's share of QEMU PSS with the node daemon's SmapsUsage.
        // The second pool mapping is an older generation's inode renamed away: same inode, still counted.
        assertThat(SmapsUsage.of(SMAPS, Set.of(new FileKey(0, 0x2f, 4242))).pssBytes()).isEqualTo(612L * 1024);
        assertThat(SmapsUsage.of(SMAPS, Set.of(new FileKey(0, 0x2f, 7))).pssBytes()).isZero();
    }

    @Test
    void readsMeminfoFieldsInBytes() {
        String meminfo = "MemTotal:       24683756 kB\nShmem:            121980 kB\n";

        assertThat(HostMemory.kib(meminfo, "Shmem:")).isEqualTo(121980L * 1024);
        assertThatThrownBy(() -> HostMemory.kib(meminfo, "MemAvailable:")).hasMessageContaining("MemAvailable:");
    }

    @Test
    void measuresThisHostWithoutGuests() {
        HostMemory memory = HostMemory.measure(List.of(ProcessHandle.current().pid()), Optional.empty());

        assertThat(memory.qemuPssBytes()).as("this JVM's PSS").isPositive();
        assertThat(memory.usedBytes()).isPositive();
        assertThat(memory.poolResidentBytes()).isZero();
    }
}
