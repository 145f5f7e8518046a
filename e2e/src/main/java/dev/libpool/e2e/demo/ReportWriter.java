package dev.libpool.e2e.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a report directory: samples.json, index.html and the PNG charts it shows. */
public final class ReportWriter {

    public static final String SAMPLES = "samples.json";
    public static final String INDEX = "index.html";

    private ReportWriter() {
    }

    /** Writes the report of {@code report} into {@code dir} (created if needed) and returns index.html. */
    public static Path write(DemoReport report, Path dir) throws IOException {
        Files.createDirectories(dir);
        SamplesJson.write(report.record(), dir.resolve(SAMPLES));
        Map<String, LineChart> charts = ReportCharts.all(report);
        for (Map.Entry<String, LineChart> chart : charts.entrySet()) {
            chart.getValue().writePng(dir.resolve(chart.getKey()), ReportCharts.WIDTH, ReportCharts.HEIGHT);
        }
        Path index = dir.resolve(INDEX);
        Files.writeString(index, HtmlReport.render(report, charts), StandardCharsets.UTF_8);
        return index;
    }
}
