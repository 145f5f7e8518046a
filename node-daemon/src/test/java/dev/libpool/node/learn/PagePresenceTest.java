package dev.libpool.node.learn;

import dev.libpool.node.pool.FileKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The mappings of one file in a maps text: its lines only, with their addresses and file offsets. */
class PagePresenceTest {

    @Test
    void findsEveryMappingOfTheFileByDeviceAndInode() {
        String maps = """
                55d0c0000000-55d0c0200000 r--s 00000000 00:2f 1234 /var/run/kubevirt-private/vmi-disks/libpool-base/pool.img
                7f0000000000-7f0000001000 r--p 00000000 fd:01 99 /usr/lib/x86_64-linux-gnu/libc.so.6
                7f1000000000-7f1000400000 r--s 00600000 00:2f 1234 /var/run/kubevirt-private/vmi-disks/libpool-base/pool.img
                7f2000000000-7f2000001000 r--s 00000000 00:30 1234 /other/device/same/inode
                7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
                """;

        var mappings = PagePresence.mappingsOf(maps, new FileKey(0, 0x2f, 1234));

        assertThat(mappings).containsExactly(
                new PagePresence.Mapping(0x55d0c0000000L, 0x55d0c0200000L, 0),
                new PagePresence.Mapping(0x7f1000000000L, 0x7f1000400000L, 0x600000));
    }
}
