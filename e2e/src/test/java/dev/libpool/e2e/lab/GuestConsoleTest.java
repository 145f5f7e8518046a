package dev.libpool.e2e.lab;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuestConsoleTest {
    /** Lines as a pool guest prints them (taken from a real run), with kernel noise and CRs around them. */
    private static final String POOL_GUEST = String.join("\r\n",
            "[    4.3] erofs: (device pmem0): mounted with root inode @ nid 36.",
            "LIBPOOL-E2E phase attach pool=e2e-libs uptime=7.83",
            "LIBPOOL-E2E report {",
            "LIBPOOL-E2E report   \"status\": \"attached\",",
            "LIBPOOL-E2E report   \"dax\": true,",
            "LIBPOOL-E2E report   \"skipped\": {\"sha256\": {\"count\": 1, \"examples\": [\"/usr/lib/libz.so.1.2.13\"]}}",
            "LIBPOOL-E2E report }",
            "LIBPOOL-E2E phase workload uptime=21.62",
            "LIBPOOL-E2E workload-up python3 pid=146 uptime=28.1",
            "LIBPOOL-E2E workload-failed perl exited",
            "LIBPOOL-E2E mountinfo 28 26 259:0 / /run/libpool/e2e-libs ro,relatime - erofs /dev/pmem0 ro,dax=always",
            "LIBPOOL-E2E map 146 python3 103:00 2901 /usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
            "LIBPOOL-E2E map 146 python3 fe:00 1663 /usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
            "LIBPOOL-E2E cache 77824 74336 /usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
            "LIBPOOL-E2E cache 0 5000000 /usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so",
            "LIBPOOL-E2E rss 146 1200 /usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
            "LIBPOOL-E2E rss 150 800 /usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
            "LIBPOOL-E2E rss 150 100 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "LIBPOOL-E2E pool-write device=/dev/pmem0 dd-exit=0 before=abc after=abc",
            "LIBPOOL-E2E ready uptime=33.63",
            "");

    @Test
    void poolMappingsAreThoseOnTheErofsDevice() {
        GuestConsole console = new GuestConsole(POOL_GUEST);

        // maps prints the device in hex (103:00), mountinfo in decimal (259:0): the same device.
        assertThat(console.poolDevice()).hasValueSatisfying(dev -> assertThat(dev).containsExactly(259, 0));
        assertThat(console.mappings()).hasSize(2);
        assertThat(console.poolMappings()).singleElement()
                .satisfies(m -> assertThat(m.path()).endsWith("_ssl.cpython-311-x86_64-linux-gnu.so"));
    }

    @Test
    void parsesReportPhasesAndResults() {
        GuestConsole console = new GuestConsole(POOL_GUEST);

        assertThat(console.ready()).isTrue();
        assertThat(console.phase()).isEqualTo("ready");
        assertThat(console.readyUptimeSeconds()).hasValue(33.63);
        assertThat(console.report()).hasValueSatisfying(r -> {
            assertThat(r.path("dax").asBoolean()).isTrue();
            assertThat(r.path("skipped").path("sha256").path("count").asInt()).isEqualTo(1);
        });
        assertThat(console.workloadUp()).containsExactly("python3");
        assertThat(console.workloadFailures()).containsExactly("perl exited");
        assertThat(console.cachedFiles()).extracting(GuestConsole.CachedFile::residentBytes).containsExactly(77824L, 0L);
        assertThat(console.poolWrite()).hasValueSatisfying(w -> assertThat(w)
                .containsEntry("device", "/dev/pmem0").containsEntry("before", "abc").containsEntry("after", "abc"));
        assertThat(console.fatal()).isEmpty();
        // Per file the largest Rss of any process: 1200 KiB libz + 100 KiB libc.
        assertThat(console.libraryRssBytes()).isEqualTo(1300L * 1024);
    }

    @Test
    void phaseFollowsTheLastMarkerAndFatalLinesAreFound() {
        GuestConsole booting = new GuestConsole("SeaBIOS\nLIBPOOL-E2E phase initramfs uptime=4.9\n");
        GuestConsole broken = new GuestConsole("LIBPOOL-E2E fatal cannot mount the root disk /dev/vda\n");

        assertThat(new GuestConsole("").phase()).isEqualTo("kernel");
        assertThat(booting.phase()).isEqualTo("initramfs");
        assertThat(booting.ready()).isFalse();
        assertThat(booting.poolDevice()).isEmpty();
        assertThat(booting.poolMappings()).isEmpty();
        assertThat(broken.fatal()).hasValueSatisfying(l -> assertThat(l).contains("/dev/vda"));
    }

    @Test
    void aTruncatedReportIsAnErrorThatShowsIt() {
        GuestConsole console = new GuestConsole("LIBPOOL-E2E report {\nLIBPOOL-E2E report   \"status\": \n");

        assertThatThrownBy(console::report).isInstanceOf(LabException.class).hasMessageContaining("\"status\"");
    }
}
