package dev.libpool.node.pool;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Saved-bytes arithmetic on a fixture smaps of a QEMU mapping two pool generations (inodes 7 and 9 on 00:2f). */
class PoolUsageTest {

    private static final FileKey CURRENT = new FileKey(0, 0x2f, 7);
    private static final FileKey OLD = new FileKey(0, 0x2f, 9);

    private static String fixture() throws Exception {
        return Files.readString(Path.of("src/test/resources/fixtures/smaps-two-pool-mappings.txt"));
    }

    @Test
    void sumsRssAndPssOfThePoolMappingsOnlyMatchedByDeviceAndInode() throws Exception {
        assertThat(SmapsUsage.of(fixture(), Set.of(CURRENT))).isEqualTo(new SmapsUsage(20480L * 1024, 10240L * 1024));
        assertThat(SmapsUsage.of(fixture(), Set.of(CURRENT, OLD)))
                .isEqualTo(new SmapsUsage((20480L + 4096) * 1024, (10240L + 1365) * 1024));
        // same inode number on another device (the qemu binary's fd:01) is not the pool
        assertThat(SmapsUsage.of(fixture(), Set.of(new FileKey(0xfd, 1, 7)))).isEqualTo(new SmapsUsage(0, 0));
    }

    @Test
    void hugetlbfsPagesCountAsRss() throws Exception {
        assertThat(SmapsUsage.of(fixture(), Set.of(new FileKey(0, 0x30, 5)))).isEqualTo(new SmapsUsage(6144L * 1024, 0));
    }

    @Test
    void savedIsSumOfRssMinusResident() {
        // two QEMUs each with 20 MiB of the pool resident in their mappings, the pool holds 20 MiB once
        PoolUsage usage = new PoolUsage(2, 2 * (20L << 20), 20L << 20, 20L << 20);
        assertThat(usage.savedBytes()).isEqualTo(20L << 20);
        // no mapper: the pool only costs its resident pages
        assertThat(new PoolUsage(0, 0, 0, 5L << 20).savedBytes()).isEqualTo(-(5L << 20));
    }

    @Test
    void mapsParsingFindsFileBackedMappingsOnly() throws Exception {
        assertThat(ProcMaps.mappedFiles(fixture())).containsExactlyInAnyOrder(new FileKey(0xfd, 1, 1315001), CURRENT, OLD,
                new FileKey(0, 0x30, 5));
    }
}
