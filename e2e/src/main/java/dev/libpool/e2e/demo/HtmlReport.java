package dev.libpool.e2e.demo;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** index.html: the machine, the tables and the charts of a run, readable without any other file but the PNGs. */
public final class HtmlReport {

    private static final String STYLE = """
            body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
            table{border-collapse:collapse;margin:.5em 0}
            th,td{border:1px solid #ccc;padding:.25em .6em}
            td{text-align:right}
            td:first-child,th{text-align:left}
            caption{text-align:left;font-weight:bold;padding:.3em 0}
            .note{color:#555;font-size:.9em;margin:.2em 0}
            figure{margin:1em 0}
            img{max-width:100%;border:1px solid #ddd}
            """;

    private HtmlReport() {
    }

    /** @param charts file name to chart, as written next to index.html */
    public static String render(DemoReport report, Map<String, LineChart> charts) {
        DemoRecord record = report.record();
        List<ReportTable> tables = ReportTables.all(report);
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>libpool demo report</title><style>").append(STYLE).append("</style></head><body>\n")
                .append("<h1>libpool demo: what the pool and KSM save with real guests</h1>\n")
                .append("<p>Run started ").append(esc(Instant.ofEpochMilli(record.startedMillis()).toString()))
                .append(": ").append(record.settings().guests()).append(" guests of ")
                .append(record.settings().memMiB()).append(" MiB per mode, workload <code>")
                .append(esc(record.settings().workload())).append("</code>, modes ")
                .append(esc(record.settings().modes().stream().map(Mode::label).collect(Collectors.joining(", "))))
                .append(". Raw samples: <a href=\"samples.json\">samples.json</a>.</p>\n");
        List<String> headlines = ReportTables.headlines(report);
        if (!headlines.isEmpty()) {
            html.append("<ul>\n");
            headlines.forEach(h -> html.append("<li>").append(esc(h)).append("</li>\n"));
            html.append("</ul>\n");
        }
        machine(html, record.machine());
        html.append("<h2>Overview</h2>\n");
        table(html, tables.get(0));
        html.append("<h2>Charts</h2>\n");
        charts.forEach((file, chart) -> html.append("<figure><img src=\"").append(esc(file)).append("\" width=\"")
                .append(ReportCharts.WIDTH).append("\" height=\"").append(ReportCharts.HEIGHT).append("\" alt=\"")
                .append(esc(chart.title())).append("\"><figcaption>").append(esc(chart.title()))
                .append("</figcaption></figure>\n"));
        html.append("<h2>Per mode</h2>\n");
        tables.subList(1, tables.size()).forEach(t -> table(html, t));
        html.append("""
                <h2>How this was measured</h2>
                <p>Each mode boots its guests one after the other on the same host. After each guest has reached
                userspace and run its workload, the host is sampled until the next guest starts: the PSS of every
                QEMU process (/proc/PID/smaps_rollup; a page shared by n processes counts 1/n to each), the pool's
                resident bytes, MemTotal - MemAvailable, KSM's pages_sharing and general_profit, and ksmd's CPU
                time. The footprint of a mode is the sum of its QEMU PSS plus the pool pages no QEMU maps. Savings
                compare footprints with the own-disk baseline at the same number of guests. The pool saves from
                attach (its pages are never copied into a guest); KSM's delay is the time from a guest being
                ready until KSM's gain for that guest (counted from before it started, since ksmd also merges
                while a guest boots) reached 90% of its final value. Other programs on the host change host
                used and KSM's counters too; the QEMU PSS figures are the guests' own.</p>
                </body></html>
                """);
        return html.toString();
    }

    private static void machine(StringBuilder html, MachineInfo m) {
        html.append("<h2>Machine</h2>\n<table>\n");
        row(html, "CPU", m.cpuModel());
        row(html, "cores", String.valueOf(m.cores()));
        row(html, "memory", Units.mib(m.memTotalBytes()) + " MiB");
        row(html, "kernel", m.kernel());
        row(html, "QEMU", m.qemuVersion());
        row(html, "accelerator", m.accel() + " (" + m.accelReason() + ")");
        html.append("</table>\n");
    }

    private static void row(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(esc(name)).append("</th><td>").append(esc(value)).append("</td></tr>\n");
    }

    private static void table(StringBuilder html, ReportTable table) {
        html.append("<table>\n<caption>").append(esc(table.title())).append("</caption>\n<tr>");
        table.headers().forEach(h -> html.append("<th>").append(esc(h)).append("</th>"));
        html.append("</tr>\n");
        for (List<String> row : table.rows()) {
            html.append("<tr>");
            row.forEach(c -> html.append("<td>").append(esc(c)).append("</td>"));
            html.append("</tr>\n");
        }
        html.append("</table>\n");
        table.notes().forEach(n -> html.append("<p class=\"note\">").append(esc(n)).append("</p>\n"));
    }

    static String esc(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
