package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.libpool.e2e.lab.GuestConsole;
import dev.libpool.e2e.lab.LabException;
import org.junit.jupiter.api.Test;

class AttachCheckTest {

    private static final String MOUNTINFO =
            "LIBPOOL-E2E mountinfo 28 26 259:0 / /run/libpool/demo ro,relatime - erofs /dev/pmem0 ro,dax=always";
    private static final String POOL_MAP = "LIBPOOL-E2E map 146 python3 103:00 2901 /usr/lib/x86_64-linux-gnu/libz.so.1";
    private static final String OWN_MAP = "LIBPOOL-E2E map 146 python3 fe:00 1663 /usr/lib/x86_64-linux-gnu/libz.so.1";

    private static String console(String status, boolean dax, int attached, String... more) {
        return String.join("\n",
                "LIBPOOL-E2E phase attach pool=demo uptime=7.50",
                "LIBPOOL-E2E report {\"status\": \"" + status + "\", \"reason\": \"no device\", \"dax\": " + dax + ",",
                "LIBPOOL-E2E report \"attached\": {\"files\": " + attached + ", \"bytes\": 1},",
                "LIBPOOL-E2E report \"verified\": {\"fromCache\": 210, \"compared\": 2, \"comparedBytes\": 5, "
                        + "\"cache\": \"written\"}}",
                "LIBPOOL-E2E attach-exit 0 uptime=9.75",
                String.join("\n", more),
                "LIBPOOL-E2E ready uptime=30.0");
    }

    @Test
    void aPoolGuestThatAttachedAndMapsThePoolGivesItsBoot() {
        GuestBoot boot = AttachCheck.check(Mode.POOL_PAGECACHE, 1, true, 41.5,
                GuestConsole.of(console("attached", true, 212, MOUNTINFO, POOL_MAP)));

        assertThat(boot.second()).isTrue();
        assertThat(boot.bootSeconds()).isEqualTo(41.5);
        assertThat(boot.attachSeconds()).isCloseTo(2.25, within(1e-9));
        assertThat(boot.attachedFiles()).isEqualTo(212);
        assertThat(boot.verifiedFromCache()).isEqualTo(210);
        assertThat(boot.verifiedByReading()).isEqualTo(2);
    }

    @Test
    void aPoolGuestThatDidNotAttachFailsItsModeLoudly() {
        assertThatThrownBy(() -> AttachCheck.check(Mode.POOL, 2, false, 40,
                GuestConsole.of("LIBPOOL-E2E phase attach pool=demo uptime=7.5\nLIBPOOL-E2E ready uptime=9")))
                .isInstanceOf(LabException.class).hasMessageContaining("mode pool-tmpfs, guest 2")
                .hasMessageContaining("printed no attach report");
        assertThatThrownBy(() -> AttachCheck.check(Mode.POOL_KSM, 1, false, 40,
                GuestConsole.of(console("refused", false, 0, MOUNTINFO))))
                .hasMessageContaining("did not attach the pool: status refused, reason 'no device', dax false");
        assertThatThrownBy(() -> AttachCheck.check(Mode.MEMFD_POOL, 1, false, 40,
                GuestConsole.of(console("attached", true, 212, MOUNTINFO, OWN_MAP))))
                .hasMessageContaining("none of its programs maps a library from the pool's device");
    }

    @Test
    void anOwnDiskGuestNeedsNoAttachAndReportsItsLibraryPageCache() {
        GuestBoot boot = AttachCheck.check(Mode.OWN_DISK, 3, false, 38, GuestConsole.of(String.join("\n",
                "LIBPOOL-E2E phase attach pool=none uptime=3.0",
                "LIBPOOL-E2E attach-exit 0 uptime=3.1",
                OWN_MAP,
                "LIBPOOL-E2E cache 77824 74336 /usr/lib/x86_64-linux-gnu/libz.so.1",
                "LIBPOOL-E2E cache 8192 9000 /usr/lib/x86_64-linux-gnu/libc.so.6",
                "LIBPOOL-E2E cache 4096 9000 /usr/bin/python3",
                "LIBPOOL-E2E ready uptime=20.0")));

        assertThat(boot.attachedFiles()).isZero();
        assertThat(boot.libraryPageCacheBytes()).as("shared objects only").isEqualTo(77824 + 8192);
        assertThat(boot.attachSeconds()).isCloseTo(0.1, within(1e-9));
    }
}
