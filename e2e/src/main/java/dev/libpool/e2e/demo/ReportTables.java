package dev.libpool.e2e.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/** The report's tables: one overview row per mode, then one table per mode with a row per guest count. */
public final class ReportTables {

    static final List<String> OVERVIEW_HEADERS = List.of("mode", "guests", "footprint", "per guest",
            "host used+", "saved vs own disk", "of limit", "ready->saving", "ksmd CPU s");
    static final List<String> LIMIT_HEADERS = List.of("mode", "touched per guest", "saved vs own disk",
            "limit (N-1) x touched", "of limit");
    static final List<String> BOOT_HEADERS = List.of("mode", "boot->ready s", "attach s", "files read",
            "2nd boot->ready s", "2nd attach s", "2nd from cache", "2nd read");
    static final List<String> CROSSOVER_HEADERS = List.of("mode", "overtakes", "from guest", "basis");
    static final List<String> MODE_HEADERS = List.of("guests", "QEMU PSS", "pool", "footprint",
            "host used+", "KSM profit", "saved vs own disk", "ready->saving", "ksmd CPU s");

    private ReportTables() {
    }

    public static List<ReportTable> all(DemoReport report) {
        List<ReportTable> tables = new ArrayList<>();
        tables.add(overview(report));
        tables.add(limits(report));
        tables.add(boots(report));
        tables.add(crossovers(report));
        report.summaries().forEach(s -> tables.add(mode(s)));
        return tables;
    }

    /**
     * One sentence per mode with a saving: what it saves against own disk with the most guests, how soon,
     * and what ksmd spent for it. The first thing the terminal and the HTML page show.
     */
    public static List<String> headlines(DemoReport report) {
        List<String> lines = new ArrayList<>();
        for (ModeSummary s : report.summaries()) {
            Optional<GuestRow> last = s.last().filter(r -> r.savedBytes().isPresent());
            if (s.mode() == DemoReport.BASELINE || last.isEmpty()) {
                continue;
            }
            GuestRow r = last.get();
            String share = Double.isNaN(r.savedShare()) ? ""
                    : String.format(Locale.ROOT, " (%.0f%%)", r.savedShare() * 100);
            lines.add(String.format(Locale.ROOT, "%s: saves %s MiB%s vs own disk with %d guest(s)%s; "
                    + "%s MiB per extra guest; saving from ready: %s; ksmd CPU %s s", s.mode().label(),
                    Units.mib(r.savedBytes()), share, r.guests(), s.error() == null ? "" : " (stopped early)",
                    Units.mib(s.perGuestFootprintBytes()), r.readyToSaving().format(), Units.seconds(r.ksmdCpuSeconds())));
        }
        return lines;
    }

    public static ReportTable overview(DemoReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (ModeSummary s : report.summaries()) {
            Optional<GuestRow> last = s.last();
            rows.add(List.of(
                    s.mode().label(),
                    last.map(r -> String.valueOf(r.guests())).orElse("0"),
                    last.map(r -> Units.mib(r.footprintBytes())).orElse("-"),
                    Units.mib(s.perGuestFootprintBytes()),
                    last.map(r -> Units.mib(r.hostUsedDeltaBytes())).orElse("-"),
                    last.map(r -> Units.mibWithShare(r.savedBytes(), r.savedShare())).orElse("-"),
                    last.map(r -> ofLimit(report, r)).orElse("-"),
                    last.map(r -> r.readyToSaving().format()).orElse("-"),
                    last.map(r -> Units.seconds(r.ksmdCpuSeconds())).orElse("-")));
        }
        DemoSettings settings = report.record().settings();
        MachineInfo machine = report.record().machine();
        return new ReportTable(
                String.format("libpool demo: %d guests x %d MiB per mode, workload '%s', %s",
                        settings.guests(), settings.memMiB(), settings.workload(), machine.accel()),
                OVERVIEW_HEADERS, rows,
                List.of("memory in MiB; footprint = sum of QEMU PSS + pool pages no QEMU maps;",
                        "per guest = least-squares slope of the footprint over 1..N guests;",
                        "host used+ = growth of MemTotal - MemAvailable since before the first guest, the pool",
                        "  included (counts everything else running on the host too);",
                        "of limit = saved / ((N-1) x the library page cache of one own-disk guest);",
                        "ready->saving = from the last guest ready until its saving existed (pool: its QEMU maps",
                        "  the pool; KSM: 90% of its gain merged)."
                        + (report.record().skipped().isEmpty() ? "" : "\nnot run: "
                        + String.join("; ", report.record().skipped()))));
    }

    private static String ofLimit(DemoReport report, GuestRow r) {
        OptionalLong limit = report.physicalLimit(r.guests());
        if (r.savedBytes().isEmpty() || limit.isEmpty() || limit.getAsLong() == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.0f%%", 100.0 * r.savedBytes().getAsLong() / limit.getAsLong());
    }

    /** Per mode: the library bytes one guest touches, and how close the saving comes to the physical limit. */
    public static ReportTable limits(DemoReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (ModeSummary s : report.summaries()) {
            Optional<GuestRow> last = s.last();
            rows.add(List.of(s.mode().label(), Units.mib(report.touchedPerGuest(s.mode())),
                    last.map(r -> Units.mib(r.savedBytes())).orElse("-"),
                    last.map(r -> Units.mib(report.physicalLimit(r.guests()))).orElse("-"),
                    last.map(r -> ofLimit(report, r)).orElse("-")));
        }
        return new ReportTable("Libraries one guest touches, and the physical limit of the saving (MiB, N guests)",
                LIMIT_HEADERS, rows, List.of(
                "touched per guest: own disk = guest page cache of the libraries its programs map (fincore in the",
                "  guest); pool = Rss of the pool mapping with the mode's first guest alone (host smaps);",
                "limit = (N-1) x the own-disk figure: a pool keeps one copy, so it cannot save more than that."));
    }

    /** Per mode: boot to ready and the attach, for the first boots (mean) and the second boot of guest 1. */
    public static ReportTable boots(DemoReport report) {
        List<List<String>> rows = new ArrayList<>();
        for (ModeSummary s : report.summaries()) {
            List<GuestBoot> boots = report.record().runs().stream().filter(r -> r.mode() == s.mode())
                    .flatMap(r -> r.boots().stream()).toList();
            List<GuestBoot> first = boots.stream().filter(b -> !b.second()).toList();
            Optional<GuestBoot> second = boots.stream().filter(GuestBoot::second).findFirst();
            rows.add(List.of(s.mode().label(),
                    mean(first, GuestBoot::bootSeconds), mean(first, GuestBoot::attachSeconds),
                    first.isEmpty() ? "-" : String.valueOf(first.stream().mapToInt(GuestBoot::verifiedByReading).sum()),
                    second.map(b -> Units.seconds(b.bootSeconds())).orElse("-"),
                    second.map(b -> Units.seconds(b.attachSeconds())).orElse("-"),
                    second.map(b -> String.valueOf(b.verifiedFromCache())).orElse("-"),
                    second.map(b -> String.valueOf(b.verifiedByReading())).orElse("-")));
        }
        return new ReportTable("Boot to ready and attach (seconds, TCG)", BOOT_HEADERS, rows, List.of(
                "boot->ready: host seconds from virsh create until the guest's workload ran and it said ready;",
                "attach: guest seconds of the bootstrap + attach.sh (mean over the first boots); files read: the",
                "  first boots compared them with the pool; 2nd: guest 1 booted again on the same disk, its",
                "  attach verifying from its root-only cache (files whose dev/inode/size/mtime/ctime are unchanged)."));
    }

    /** Where each mode's footprint line drops below own disk, own disk + KSM and shared-memfd RAM. */
    public static ReportTable crossovers(DemoReport report) {
        List<List<String>> rows = new ArrayList<>();
        int measured = report.record().settings().guests();
        for (DemoReport.Crossover c : report.crossovers()) {
            rows.add(List.of(c.mode().label(), c.other().label(), String.valueOf(c.fromGuests()),
                    c.extrapolated() ? String.format(Locale.ROOT, "EXTRAPOLATED (lines cross at %.1f; %d measured)",
                            c.atGuests(), measured)
                            : String.format(Locale.ROOT, "measured range (lines cross at %.1f)", c.atGuests())));
        }
        return new ReportTable("Crossovers: from how many guests a mode costs less than another", CROSSOVER_HEADERS,
                rows, List.of("lines: least-squares footprint over 1.." + measured + " guests per mode (fixed part + "
                        + "per extra guest); a mode whose line grows faster never overtakes and is not listed."));
    }

    private static String mean(List<GuestBoot> boots, java.util.function.ToDoubleFunction<GuestBoot> value) {
        OptionalDouble mean = boots.stream().mapToDouble(value).filter(v -> !Double.isNaN(v)).average();
        return mean.isPresent() ? Units.seconds(mean.getAsDouble()) : "-";
    }

    public static ReportTable mode(ModeSummary summary) {
        List<List<String>> rows = new ArrayList<>();
        for (GuestRow r : summary.rows()) {
            rows.add(List.of(
                    String.valueOf(r.guests()),
                    Units.mib(r.qemuPssBytes()),
                    summary.mode().usesPool() ? Units.mib(r.poolResidentBytes()) : "-",
                    Units.mib(r.footprintBytes()),
                    Units.mib(r.hostUsedDeltaBytes()),
                    summary.mode().usesKsm() ? Units.mib(r.ksmProfitDeltaBytes()) : "-",
                    Units.mibWithShare(r.savedBytes(), r.savedShare()),
                    r.readyToSaving().format(),
                    Units.seconds(r.ksmdCpuSeconds())));
        }
        List<String> notes = new ArrayList<>();
        notes.add("per extra guest: " + Units.mib(summary.perGuestFootprintBytes()) + " MiB footprint, "
                + Units.mib(summary.perGuestHostUsedBytes()) + " MiB host used; footprint line at 0 guests: "
                + Units.mib(summary.footprintAtZeroBytes()) + " MiB");
        if (summary.error() != null) {
            notes.add("stopped early: " + summary.error());
        }
        return new ReportTable(summary.mode().label() + " (memory in MiB)", MODE_HEADERS, rows, notes);
    }
}
