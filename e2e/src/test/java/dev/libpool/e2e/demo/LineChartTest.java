package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LineChartTest {

    private static final Color BLUE = new Color(0x1F77B4);
    private static final Color ORANGE = new Color(0xFF7F0E);

    @Test
    void drawsEverySeriesInItsColourOnAWhiteBackground() {
        LineChart chart = new LineChart("t", "guests", "MiB", true, List.of(
                new LineChart.Series("a", BLUE, false, List.of(new LineChart.Point(0, 0), new LineChart.Point(3, 900))),
                new LineChart.Series("b", ORANGE, true, List.of(new LineChart.Point(0, 200), new LineChart.Point(3, 500)))));
        BufferedImage image = chart.render(640, 360);
        assertThat(image.getWidth()).isEqualTo(640);
        assertThat(image.getHeight()).isEqualTo(360);
        assertThat(image.getRGB(2, 2) & 0xFFFFFF).isEqualTo(0xFFFFFF);
        assertThat(count(image, BLUE)).isGreaterThan(200);
        assertThat(count(image, ORANGE)).isGreaterThan(100);
    }

    @Test
    void aBreakLiftsThePenBetweenTwoRuns() {
        List<LineChart.Point> joined = List.of(new LineChart.Point(0, 0), new LineChart.Point(1, 0),
                new LineChart.Point(9, 100), new LineChart.Point(10, 100));
        List<LineChart.Point> broken = List.of(joined.get(0), joined.get(1), LineChart.Point.BREAK, joined.get(2),
                joined.get(3));
        long withLine = count(chart(joined).render(640, 360), BLUE);
        long withBreak = count(chart(broken).render(640, 360), BLUE);
        assertThat(withBreak).isLessThan(withLine - 300);
    }

    private static LineChart chart(List<LineChart.Point> points) {
        return new LineChart("t", "s", "MiB", false, List.of(new LineChart.Series("a", BLUE, false, points)));
    }

    @Test
    void aChartWithoutPointsStillRendersItsTitleAndSaysSo() {
        BufferedImage image = new LineChart("empty", "x", "y", false, List.of(
                new LineChart.Series("a", BLUE, false, List.of()))).render(400, 300);
        assertThat(distinctColours(image)).isGreaterThan(2);
        assertThat(count(image, BLUE)).isGreaterThan(0); // the legend still shows the series
    }

    @Test
    void axisTicksAreRoundNumbersCoveringTheData() {
        LineChart.Axis y = LineChart.Axis.of(0, 1234, false);
        assertThat(y.step()).isEqualTo(500);
        assertThat(y.ticks()).containsExactly(0, 500, 1000, 1500);
        LineChart.Axis negative = LineChart.Axis.of(-37, 410, false);
        assertThat(negative.min()).isEqualTo(-100);
        assertThat(negative.max()).isEqualTo(500);
        assertThat(LineChart.Axis.of(0, 3, true).ticks()).containsExactly(0, 1, 2, 3);
        assertThat(LineChart.Axis.of(0, 0, false).max()).isGreaterThan(0);
        assertThat(LineChart.Axis.niceStep(0.13)).isEqualTo(0.2, org.assertj.core.api.Assertions.within(1e-12));
    }

    static long count(BufferedImage image, Color colour) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == (colour.getRGB() & 0xFFFFFF)) {
                    n++;
                }
            }
        }
        return n;
    }

    static int distinctColours(BufferedImage image) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }
}
