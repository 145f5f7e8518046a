package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paths of DemoMain that boot nothing: the command line and rebuilding a report from samples.json. */
class DemoMainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return DemoMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsage() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(DemoOptions.USAGE);
    }

    @Test
    void aBadOptionExitsWithTwoAndSaysWhy() {
        assertThat(run("--guests", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--guests: 0 is out of range; use 1..24");
    }

    @Test
    void fromRebuildsTheReportOfRecordedSamples() throws IOException {
        Path samples = dir.resolve("samples.json");
        SamplesJson.write(SyntheticRuns.full(), samples);
        Path report = dir.resolve("report");
        assertThat(run("--from", samples.toString(), "--report-dir", report.toString())).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("own disk + KSM (memory in MiB)", "400.0 (33%)", "report: " + report.resolve("index.html"));
        assertThat(report.resolve("index.html")).exists();
        assertThat(report.resolve(ReportCharts.SAVING_OVER_TIME)).exists();
    }

    @Test
    void benchPrintsTheTablesAndWritesNoReport() throws IOException {
        Path samples = dir.resolve("samples.json");
        SamplesJson.write(SyntheticRuns.full(), samples);
        Path report = dir.resolve("report");
        assertThat(run("--bench", "--from", samples.toString(), "--report-dir", report.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("per extra guest: 200.0 MiB footprint");
        assertThat(report).doesNotExist();
    }

    @Test
    void anUnreadableRecordingExitsWithOneAndNamesTheFile() throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{ not json");
        assertThat(run("--from", broken.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("libpool demo: ");
    }
}
