package dev.libpool.e2e;

import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestConsole;
import dev.libpool.e2e.lab.GuestKernel;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.GuestSpec;
import dev.libpool.e2e.lab.HostMemory;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.PoolHost;
import dev.libpool.e2e.lab.Progress;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The mission, proven with real guests: three QEMU guests (TCG), started by a real libvirtd from domains
 * that the real KubeVirt hook transformed, attach ONE pool built by the node daemon code on a real tmpfs,
 * and their libraries then come from that single host copy. Compared with the same guests on their own
 * disks. Prints its figures; see GuestLab for the harness.
 */
class GuestPoolE2E {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    /** A library the python3 workload maps (zlib); guest pool-3 gets a changed copy of it. */
    private static final String CHANGED_LIBRARY = "/usr/lib/x86_64-linux-gnu/libz.so.1";

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void threeGuestsShareOnePoolAndSaveTheLibrariesTheyTouch() {
        Optional<String> missing = GuestLab.missingPrerequisites();
        missing.ifPresent(reason -> System.out.println("GuestPoolE2E skipped: " + reason));
        assumeTrue(missing.isEmpty(), () -> "GuestPoolE2E skipped: " + missing.orElse(""));

        long start = System.nanoTime();
        Progress progress = Progress.toStdout();
        Path work = Path.of("target/e2e-lab").toAbsolutePath();
        GuestLab lab;
        try {
            // THP off for the guests: their cost is then counted in 4 KiB pages, not 2 MiB ones.
            lab = GuestLab.open(LabOptions.withPool(work).withoutHugePages(), progress);
        } catch (GuestKernel.Unavailable e) {
            System.out.println("GuestPoolE2E skipped: the guest kernel cannot be downloaded: " + e.getMessage());
            assumeTrue(false, "guest kernel unavailable: " + e.getMessage());
            return;
        }
        try (lab) {
            PoolHost pool = lab.pool().orElseThrow();
            String poolSha = pool.sha256();
            String changedReal = "/" + lab.root().tree().relativize(
                    toRealPath(lab.root().tree().resolve(CHANGED_LIBRARY.substring(1))));

            // Baseline: the same guests on their own disks, one, then two more at once.
            // KSM off for these guests (<nosharepages/>): the comparison must not depend on the host's KSM.
            Run own = run(lab, List.of(GuestSpec.ownDisk("own-1").withoutKsm(), GuestSpec.ownDisk("own-2").withoutKsm(),
                    GuestSpec.ownDisk("own-3").withoutKsm()));
            GuestConsole ownConsole = own.guests().get(1).console();
            // Fail safe: without a pool device the bootstrap refuses and the guest keeps its own libraries.
            assertThat(ownConsole.report()).as("own-disk report").hasValueSatisfying(r ->
                    assertThat(r.path("status").asText()).isEqualTo("refused"));
            assertThat(ownConsole.poolMappings()).as("own-disk guest mappings from a pool").isEmpty();
            assertThat(ownConsole.workloadFailures()).as("own-disk workload failures").isEmpty();
            own.guests().forEach(lab::destroy);

            // Pool: one guest, then two more at once (the third with a changed library).
            Run pooled = run(lab, List.of(GuestSpec.withPool("pool-1").withoutKsm(), GuestSpec.withPool("pool-2").withoutKsm(),
                    GuestSpec.withPool("pool-3").changing(CHANGED_LIBRARY).withoutKsm()));
            long poolShmemThree = pool.tmpfsUsedBytes();
            var daemonView = pool.measure();

            // Figures.
            // What the workload touched: its processes' resident library pages on their own disk (per file
            // the largest Rss). The guest page cache of those files is larger (readahead); both printed.
            long touched = ownConsole.libraryRssBytes();
            long pageCache = ownConsole.cachedFiles().stream().filter(f -> f.path().contains(".so"))
                    .mapToLong(GuestConsole.CachedFile::residentBytes).sum();
            long ownExtra = own.perExtraGuest();
            long poolExtra = pooled.perExtraGuest();
            progress.step("figures", "library bytes the workload touched (own disk, Rss): " + HostMemory.mib(touched)
                    + "; guest page cache of those libraries: " + HostMemory.mib(pageCache));
            progress.step("figures", "own disk: 1 guest " + own.first() + " | 3 guests " + own.all());
            progress.step("figures", "pool:     1 guest " + pooled.first() + " | 3 guests " + pooled.all());
            progress.step("figures", "per extra guest: own disk " + HostMemory.mib(ownExtra) + ", pool "
                    + HostMemory.mib(poolExtra) + ", saved " + HostMemory.mib(ownExtra - poolExtra) + " ("
                    + Math.round(100.0 * (ownExtra - poolExtra) / Math.max(1, touched)) + "% of the touched library bytes, "
                    + Math.round(100.0 * (ownExtra - poolExtra) / Math.max(1, pageCache)) + "% of their page cache)");
            progress.step("figures", "boot to ready: own disk " + own.bootTimes() + ", pool " + pooled.bootTimes()
                    + " (the 2nd and 3rd of each boot together on 2 cores)");
            progress.step("figures", "pool tmpfs (host Shmem of the pool): " + HostMemory.mib(pooled.poolShmemWithFirst()) + " with 1 guest, "
                    + HostMemory.mib(poolShmemThree) + " with 3");
            progress.step("figures", "node daemon: mappers " + daemonView.getMappers() + ", resident "
                    + HostMemory.mib(nz(daemonView.getResidentBytes())) + ", saved " + HostMemory.mib(nz(daemonView.getSavedBytes())));

            for (Guest guest : pooled.guests()) {
                try {
                    assertPoolGuest(guest, changedReal);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "\n--- console tail of " + guest + " ---\n"
                            + guest.console().tail(40), e);
                }
            }

            // A guest writing to the pool device leaves the host file unchanged.
            assertThat(pool.sha256()).as("sha256 of the host pool file after the guests wrote to it").isEqualTo(poolSha);
            // The pool's host memory does not grow with guests.
            assertThat(pooled.all().poolResidentBytes()).as("pool resident bytes, 3 guests vs 1")
                    .isEqualTo(pooled.first().poolResidentBytes());
            // (Host-wide Shmem is printed, not asserted: other work on this host moves it.)
            assertThat(poolShmemThree).as("bytes used on the pool's tmpfs, 3 guests vs 1").isEqualTo(pooled.poolShmemWithFirst());
            assertThat(pooled.all().poolMappedPssBytes()).as("pool pages mapped by the QEMUs").isPositive();
            // Each extra guest costs the host at least 90% of the touched library bytes less than on its own disk.
            assertThat(touched).as("library bytes the workload touched").isGreaterThan(20L << 20);
            assertThat(ownExtra - poolExtra).as("saved per extra guest vs 90% of the touched library bytes "
                    + HostMemory.mib(touched)).isGreaterThanOrEqualTo(touched * 9 / 10);
            progress.step("figures", "host: KSM run=" + hostSetting("/sys/kernel/mm/ksm/run") + " (guests use <nosharepages/>), THP "
                    + hostSetting("/sys/kernel/mm/transparent_hugepage/enabled") + " (off for the guests' QEMUs)");
            progress.step("figures", "total test time " + Math.round((System.nanoTime() - start) / 1e9) + " s");
        }
    }

    /** DAX on, files substituted per the report, the programs map them from the pool, the write attempt made. */
    private static void assertPoolGuest(Guest guest, String changedReal) {
        GuestConsole console = guest.console();
        JsonNode report = console.report().orElseThrow(() -> new AssertionError(guest + " printed no report.json\n"
                + console.tail(30)));
        // DAX active in each guest.
        assertThat(report.path("status").asText()).as(guest + " report status").isEqualTo("attached");
        assertThat(report.path("dax").asBoolean()).as(guest + " report dax").isTrue();
        assertThat(console.erofsMounts()).as(guest + " erofs mount").anyMatch(m -> m.contains("dax=always"));
        assertThat(console.values("dmesg")).as(guest + " dmesg").anyMatch(l -> l.contains("DAX enabled"));
        // Files substituted per the report, and the running programs map them from the pool.
        assertThat(report.path("substituted").path("files").asInt()).as(guest + " substituted files").isGreaterThan(50);
        assertThat(console.workloadFailures()).as(guest + " workload failures").isEmpty();
        Set<String> fromPool = console.poolMappings().stream().map(GuestConsole.Mapping::path).collect(Collectors.toSet());
        Set<String> programsOnPool = console.poolMappings().stream().map(GuestConsole.Mapping::program)
                .collect(Collectors.toSet());
        assertThat(programsOnPool).as(guest + " programs mapping pool files")
                .containsAll(console.workloadUp());
        List<String> ownCopies = console.mappings().stream().map(GuestConsole.Mapping::path)
                .filter(p -> !fromPool.contains(p)).distinct().toList();
        boolean changed = guest.spec().changedLibrary().isPresent();
        // Every library a program maps comes from the pool, except the one this guest changed.
        assertThat(ownCopies).as(guest + " libraries mapped from the guest's own disk")
                .isEqualTo(changed ? List.of(changedReal) : List.of());
        JsonNode skippedSha = report.path("skipped").path("sha256");
        if (changed) {
            assertThat(skippedSha.path("count").asInt()).as(guest + " skipped sha256").isEqualTo(1);
            assertThat(skippedSha.path("examples").toString()).contains(changedReal);
        } else {
            assertThat(skippedSha.path("count").asInt()).as(guest + " skipped sha256").isZero();
            assertThat(report.path("skipped").path("size").path("count").asInt()).as(guest + " skipped size").isZero();
        }
        // The guest wrote over the pool device.
        assertThat(console.poolWrite()).as(guest + " pool write attempt").isPresent();
    }

    /**
     * One mode's guests: the first booted alone and measured, the others booted two at a time, all measured.
     *
     * @param poolShmemWithFirst bytes used on the pool's tmpfs with the first guest (0 without pool)
     */
    private record Run(List<Guest> guests, HostMemory first, HostMemory all, long poolShmemWithFirst) {
        /** What each guest after the first adds to the host: its share of the footprint growth. */
        long perExtraGuest() {
            return (footprint(all) - footprint(first)) / (guests.size() - 1);
        }

        String bootTimes() {
            return seconds(guests.stream().map(g -> g.bootTime().orElseThrow()).toList());
        }
    }

    private static Run run(GuestLab lab, List<GuestSpec> specs) {
        List<Guest> guests = new ArrayList<>(lab.bootAll(specs.subList(0, 1), 1, READY_TIMEOUT));
        HostMemory first = settledMeasure(lab, guests);
        long poolShmem = lab.pool().filter(p -> specs.get(0).pool()).map(PoolHost::tmpfsUsedBytes).orElse(0L);
        guests.addAll(lab.bootAll(specs.subList(1, specs.size()), 2, READY_TIMEOUT));
        return new Run(guests, first, settledMeasure(lab, guests), poolShmem);
    }

    /** Lets the guests go quiet for a moment (late page-cache and TB-cache growth), then measures. */
    private static HostMemory settledMeasure(GuestLab lab, List<Guest> guests) {
        Progress.sleep(Duration.ofSeconds(3));
        HostMemory memory = lab.measure(guests);
        lab.progress().step("measure", guests.size() + " guest(s): " + memory);
        return memory;
    }

    /** What the guests cost the host: QEMU PSS plus the pool pages no QEMU maps (in nobody's PSS). */
    private static long footprint(HostMemory memory) {
        return memory.qemuPssBytes() + Math.max(0, memory.poolResidentBytes() - memory.poolMappedPssBytes());
    }

    private static String seconds(List<Duration> durations) {
        return durations.stream().map(d -> String.format("%.1fs", d.toMillis() / 1000.0)).collect(Collectors.joining(", "));
    }

    private static String hostSetting(String file) {
        try {
            return java.nio.file.Files.readString(Path.of(file)).strip();
        } catch (java.io.IOException e) {
            return "(unreadable)";
        }
    }

    private static long nz(Long value) {
        return value == null ? 0 : value;
    }

    private static Path toRealPath(Path path) {
        try {
            return path.toRealPath();
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot resolve " + path, e);
        }
    }
}
