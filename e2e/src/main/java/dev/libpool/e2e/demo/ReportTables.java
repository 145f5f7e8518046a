package dev.libpool.e2e.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The report's tables: one overview row per mode, then one table per mode with a row per guest count. */
public final class ReportTables {

    static final List<String> OVERVIEW_HEADERS = List.of("mode", "guests", "footprint", "per guest",
            "host used+", "saved vs own disk", "ready->saving", "ksmd CPU s");
    static final List<String> MODE_HEADERS = List.of("guests", "QEMU PSS", "pool", "footprint",
            "host used+", "KSM profit", "saved vs own disk", "ready->saving", "ksmd CPU s");

    private ReportTables() {
    }

    public static List<ReportTable> all(DemoReport report) {
        List<ReportTable> tables = new ArrayList<>();
        tables.add(overview(report));
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
                        "ready->saving = from the last guest ready until its saving existed."));
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
                + Units.mib(summary.perGuestHostUsedBytes()) + " MiB host used");
        if (summary.error() != null) {
            notes.add("stopped early: " + summary.error());
        }
        return new ReportTable(summary.mode().label() + " (memory in MiB)", MODE_HEADERS, rows, notes);
    }
}
