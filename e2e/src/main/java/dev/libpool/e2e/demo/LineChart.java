package dev.libpool.e2e.demo;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A line chart drawn with java.awt only (headless): title, both axes with round ticks and labels, a grid,
 * one line per series with point markers when there are few points, and a legend right of the plot.
 */
public final class LineChart {

    static {
        // The demo runs on servers without a display; AWT must never try to open one.
        System.setProperty("java.awt.headless", "true");
    }

    /** A data point; {@link #BREAK} lifts the pen between the points around it. */
    public record Point(double x, double y) {

        public static final Point BREAK = new Point(Double.NaN, Double.NaN);

        boolean isBreak() {
            return Double.isNaN(x) || Double.isNaN(y);
        }
    }

    /** One line; {@code dashed} tells apart modes whose colours would otherwise be read as related. */
    public record Series(String name, Color color, boolean dashed, List<Point> points) {

        public Series {
            points = List.copyOf(points);
        }
    }

    /** A value range with round tick steps. */
    record Axis(double min, double max, double step) {

        static Axis of(double lo, double hi, boolean integer) {
            double raw = hi > lo ? (hi - lo) / 5 : Math.max(Math.abs(hi), 1) / 5;
            double step = niceStep(raw);
            if (integer) {
                step = Math.max(1, Math.round(step));
            }
            double min = Math.floor(lo / step) * step;
            double max = Math.ceil(hi / step) * step;
            return new Axis(min, max > min ? max : min + step, step);
        }

        /** 1, 2 or 5 times a power of ten, the smallest not below {@code raw}. */
        static double niceStep(double raw) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / magnitude;
            double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
            return nice * magnitude;
        }

        /** min, min + step, ..., max; computed by multiplication so 0 stays exactly 0. */
        double[] ticks() {
            int n = (int) Math.round((max - min) / step);
            double[] ticks = new double[n + 1];
            for (int i = 0; i <= n; i++) {
                ticks[i] = min + i * step;
            }
            return ticks;
        }

        String label(double value) {
            return step >= 1 && value == Math.rint(value)
                    ? String.valueOf((long) value)
                    : String.format(Locale.ROOT, "%.1f", value);
        }
    }

    private static final int MARKER_LIMIT = 40;
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 18);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Color GRID = new Color(0xE3E3E3);
    private static final Color INK = new Color(0x333333);

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final boolean integerX;
    private final List<Series> series;

    /**
     * @param integerX ticks on the x axis at whole numbers only (a guest count)
     */
    public LineChart(String title, String xLabel, String yLabel, boolean integerX, List<Series> series) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.integerX = integerX;
        this.series = List.copyOf(series);
    }

    public String title() {
        return title;
    }

    public List<Series> series() {
        return series;
    }

    public void writePng(Path file, int width, int height) throws IOException {
        if (!ImageIO.write(render(width, height), "png", file.toFile())) {
            throw new IOException("no PNG writer in this JRE for " + file);
        }
    }

    public BufferedImage render(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw(g, width, height);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void draw(Graphics2D g, int width, int height) {
        g.setFont(LABEL_FONT);
        int legendWidth = legendWidth(g);
        int left = 90;
        int top = 60;
        int right = width - legendWidth - 30;
        int bottom = height - 70;

        g.setColor(INK);
        g.setFont(TITLE_FONT);
        centered(g, title, width / 2, 34);

        drawLegend(g, right + 20, top);
        List<Point> all = series.stream().flatMap(s -> s.points().stream()).filter(p -> !p.isBreak()).toList();
        if (all.isEmpty()) {
            g.setFont(LABEL_FONT);
            centered(g, "no data recorded", (left + right) / 2, (top + bottom) / 2);
            return;
        }
        Axis x = Axis.of(Math.min(0, min(all, true)), max(all, true), integerX);
        Axis y = Axis.of(Math.min(0, min(all, false)), Math.max(0, max(all, false)), false);
        Frame frame = new Frame(left, top, right, bottom, x, y);

        drawGridAndTicks(g, frame);
        drawAxisLabels(g, frame, height);
        for (Series s : series) {
            drawSeries(g, frame, s);
        }
    }

    /** Maps data coordinates to pixels. */
    private record Frame(int left, int top, int right, int bottom, Axis x, Axis y) {

        double px(double v) {
            return left + (v - x.min()) / (x.max() - x.min()) * (right - left);
        }

        double py(double v) {
            return bottom - (v - y.min()) / (y.max() - y.min()) * (bottom - top);
        }
    }

    private void drawGridAndTicks(Graphics2D g, Frame f) {
        g.setFont(TICK_FONT);
        FontMetrics fm = g.getFontMetrics();
        g.setStroke(new BasicStroke(1f));
        for (double v : f.y().ticks()) {
            int py = (int) Math.round(f.py(v));
            g.setColor(Math.abs(v) < f.y().step() / 1e6 ? Color.GRAY : GRID);
            g.drawLine(f.left(), py, f.right(), py);
            g.setColor(INK);
            String label = f.y().label(v);
            g.drawString(label, f.left() - 8 - fm.stringWidth(label), py + fm.getAscent() / 2 - 1);
        }
        for (double v : f.x().ticks()) {
            int px = (int) Math.round(f.px(v));
            g.setColor(GRID);
            g.drawLine(px, f.top(), px, f.bottom());
            g.setColor(INK);
            centered(g, f.x().label(v), px, f.bottom() + 8 + fm.getAscent());
        }
        g.setColor(INK);
        g.drawRect(f.left(), f.top(), f.right() - f.left(), f.bottom() - f.top());
    }

    private void drawAxisLabels(Graphics2D g, Frame f, int height) {
        g.setFont(LABEL_FONT);
        g.setColor(INK);
        centered(g, xLabel, (f.left() + f.right()) / 2, height - 22);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        // After the rotation, x runs upwards: -y of the centre of the plot.
        centered(g, yLabel, -(f.top() + f.bottom()) / 2, 26);
        g.setTransform(saved);
    }

    private void drawSeries(Graphics2D g, Frame f, Series s) {
        if (s.points().isEmpty()) {
            return;
        }
        g.setColor(s.color());
        g.setStroke(stroke(s.dashed()));
        Path2D line = new Path2D.Double();
        boolean penDown = false;
        for (Point p : s.points()) {
            if (p.isBreak()) {
                penDown = false;
            } else if (penDown) {
                line.lineTo(f.px(p.x()), f.py(p.y()));
            } else {
                line.moveTo(f.px(p.x()), f.py(p.y()));
                penDown = true;
            }
        }
        g.draw(line);
        List<Point> drawn = s.points().stream().filter(p -> !p.isBreak()).toList();
        if (drawn.size() <= MARKER_LIMIT) {
            for (Point p : drawn) {
                int px = (int) Math.round(f.px(p.x()));
                int py = (int) Math.round(f.py(p.y()));
                g.fillOval(px - 4, py - 4, 9, 9);
            }
        }
    }

    private int legendWidth(Graphics2D g) {
        FontMetrics fm = g.getFontMetrics(LABEL_FONT);
        return 40 + series.stream().mapToInt(s -> fm.stringWidth(s.name())).max().orElse(0);
    }

    private void drawLegend(Graphics2D g, int x, int top) {
        g.setFont(LABEL_FONT);
        FontMetrics fm = g.getFontMetrics();
        int y = top + fm.getAscent();
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(stroke(s.dashed()));
            g.draw(new Line2D.Double(x, y - fm.getAscent() / 2.0 + 1, x + 28, y - fm.getAscent() / 2.0 + 1));
            g.setColor(INK);
            g.drawString(s.name(), x + 36, y);
            y += fm.getHeight() + 6;
        }
    }

    private static BasicStroke stroke(boolean dashed) {
        return dashed
                ? new BasicStroke(2.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {9f, 6f}, 0f)
                : new BasicStroke(2.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    private static void centered(Graphics2D g, String text, int cx, int baseline) {
        g.drawString(text, cx - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }

    private static double min(List<Point> points, boolean x) {
        return points.stream().mapToDouble(p -> x ? p.x() : p.y()).min().orElse(0);
    }

    private static double max(List<Point> points, boolean x) {
        return points.stream().mapToDouble(p -> x ? p.x() : p.y()).max().orElse(0);
    }
}
