package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    @TempDir
    Path dir;

    private final DemoRecord record = SyntheticRuns.full();

    @Test
    void writesChartsThatDecodeAtTheirSizeAndShowEveryMode() throws IOException {
        ReportWriter.write(new DemoReport(record), dir.resolve("report"));
        for (String name : ReportCharts.all(new DemoReport(record)).keySet()) {
            BufferedImage png = ImageIO.read(dir.resolve("report").resolve(name).toFile());
            assertThat(png).as(name).isNotNull();
            assertThat(png.getWidth()).isEqualTo(ReportCharts.WIDTH);
            assertThat(png.getHeight()).isEqualTo(ReportCharts.HEIGHT);
            assertThat(LineChartTest.distinctColours(png)).as(name).isGreaterThan(10);
            for (Mode mode : Mode.ALL) {
                boolean inChart = !name.equals(ReportCharts.SAVING_OVER_TIME) || mode != DemoReport.BASELINE;
                if (inChart) {
                    assertThat(LineChartTest.count(png, ReportCharts.color(mode))).as(name + " " + mode).isGreaterThan(20);
                }
            }
        }
    }

    @Test
    void indexReferencesTheChartsAndHoldsTheFiguresAndTheMachine() throws IOException {
        Path index = ReportWriter.write(new DemoReport(record), dir);
        String html = Files.readString(index);
        assertThat(html).contains(
                "<img src=\"footprint-vs-guests.png\"", "<img src=\"host-used-vs-guests.png\"",
                "<img src=\"saving-over-time.png\"", "href=\"samples.json\"",
                "AMD EPYC (synthetic)", "6.1.0-test-amd64", "QEMU emulator version 7.2.22",
                "TCG (/dev/kvm cannot boot stock kernels)", "24576.0 MiB",
                "<td>400.0 (33%)</td>", "<td>KSM 9.0 s</td>", "<li>pool (tmpfs): saves 400.0 MiB (33%)",
                "<td>own disk + KSM</td>", "per extra guest: 200.0 MiB footprint",
                "<caption>shared-memfd RAM + pool (PageCache) (memory in MiB)</caption>",
                "<caption>Crossovers: from how many guests a mode costs less than another</caption>");
        assertThat(html).doesNotContain("<td>null");
    }

    @Test
    void samplesJsonReadsBackToTheSameRecord() throws IOException {
        ReportWriter.write(new DemoReport(record), dir);
        assertThat(SamplesJson.read(dir.resolve(ReportWriter.SAMPLES))).isEqualTo(record);
        assertThat(Files.readString(dir.resolve(ReportWriter.SAMPLES))).contains("\"qemuPssBytes\"", "\"POOL_KSM\"")
                .doesNotContain("footprintBytes");
    }

    @Test
    void htmlEscapesWhatItQuotes() {
        assertThat(HtmlReport.esc("<a href=\"x\">&</a>")).isEqualTo("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    }
}
