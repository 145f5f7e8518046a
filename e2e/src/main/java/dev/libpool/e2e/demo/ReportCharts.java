package dev.libpool.e2e.demo;

import java.awt.Color;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The report's charts, built from a {@link DemoReport}; each mode keeps one colour in every chart. */
public final class ReportCharts {

    public static final String FOOTPRINT_VS_GUESTS = "footprint-vs-guests.png";
    public static final String HOST_USED_VS_GUESTS = "host-used-vs-guests.png";
    public static final String SAVING_OVER_TIME = "saving-over-time.png";
    public static final int WIDTH = 960;
    public static final int HEIGHT = 540;

    private static final Map<Mode, Color> COLORS = new EnumMap<>(Map.of(
            Mode.OWN_DISK, new Color(0x555555),
            Mode.POOL, new Color(0x1F77B4),
            Mode.POOL_HUGETLBFS, new Color(0x17BECF),
            Mode.POOL_PAGECACHE, new Color(0x8C564B),
            Mode.OWN_DISK_KSM, new Color(0xFF7F0E),
            Mode.POOL_KSM, new Color(0x2CA02C),
            Mode.MEMFD, new Color(0xD62728),
            Mode.MEMFD_POOL, new Color(0x9467BD)));

    private ReportCharts() {
    }

    /** File name to chart, in the order the HTML page shows them. */
    public static Map<String, LineChart> all(DemoReport report) {
        Map<String, LineChart> charts = new LinkedHashMap<>();
        charts.put(FOOTPRINT_VS_GUESTS, footprintVsGuests(report));
        charts.put(HOST_USED_VS_GUESTS, hostUsedVsGuests(report));
        charts.put(SAVING_OVER_TIME, savingOverTime(report));
        return charts;
    }

    public static LineChart footprintVsGuests(DemoReport report) {
        return new LineChart("Host memory of the guests by mode (QEMU PSS + pool)", "guests running",
                "footprint (MiB)", true, perGuestCount(report, GuestRow::footprintBytes));
    }

    public static LineChart hostUsedVsGuests(DemoReport report) {
        return new LineChart("Host used memory by mode (MemTotal - MemAvailable)", "guests running",
                "growth since before the first guest (MiB)", true, perGuestCount(report, GuestRow::hostUsedDeltaBytes));
    }

    /** The saving against own disk over time: immediate for the pool, after scanning for KSM. */
    public static LineChart savingOverTime(DemoReport report) {
        List<LineChart.Series> series = report.summaries().stream()
                .filter(s -> s.mode() != DemoReport.BASELINE)
                .map(s -> series(s.mode(), savingPoints(report.savingOverTime(s.mode()))))
                .toList();
        return new LineChart("Saving vs own disk over time: KSM vs pool", "seconds since the mode's first guest started",
                "saved (MiB)", false, series);
    }

    /** The points of one mode, the line broken while a guest boots (nothing is measured then). */
    private static List<LineChart.Point> savingPoints(List<DemoReport.TimedSaving> savings) {
        List<LineChart.Point> points = new ArrayList<>();
        for (int i = 0; i < savings.size(); i++) {
            DemoReport.TimedSaving p = savings.get(i);
            if (i > 0 && savings.get(i - 1).guests() != p.guests()) {
                points.add(LineChart.Point.BREAK);
            }
            points.add(new LineChart.Point(p.seconds(), p.savedBytes() / Units.MIB));
        }
        return points;
    }

    private static List<LineChart.Series> perGuestCount(DemoReport report, ToLongFunction<GuestRow> value) {
        return report.summaries().stream()
                .map(s -> series(s.mode(), s.rows().stream()
                        .map(r -> new LineChart.Point(r.guests(), value.applyAsLong(r) / Units.MIB))
                        .toList()))
                .toList();
    }

    private static LineChart.Series series(Mode mode, List<LineChart.Point> points) {
        return new LineChart.Series(mode.label(), color(mode), mode.sharedMemfd(), points);
    }

    static Color color(Mode mode) {
        return COLORS.get(mode);
    }
}
