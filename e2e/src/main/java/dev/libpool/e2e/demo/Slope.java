package dev.libpool.e2e.demo;

import java.util.List;

/** Least-squares line of y over x: its slope is the cost of one more guest, robust to one noisy count. */
final class Slope {

    private Slope() {
    }

    /** The slope of the points (xs[i], ys[i]); NaN when fewer than two distinct x. */
    static double of(List<? extends Number> xs, List<? extends Number> ys) {
        if (xs.size() != ys.size()) {
            throw new IllegalArgumentException("x and y differ in length: " + xs.size() + " vs " + ys.size());
        }
        int n = xs.size();
        double mx = xs.stream().mapToDouble(Number::doubleValue).average().orElse(0);
        double my = ys.stream().mapToDouble(Number::doubleValue).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = xs.get(i).doubleValue() - mx;
            sxy += dx * (ys.get(i).doubleValue() - my);
            sxx += dx * dx;
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    /** Where the least-squares line of the points crosses x = 0; NaN when fewer than two distinct x. */
    static double intercept(List<? extends Number> xs, List<? extends Number> ys) {
        double slope = of(xs, ys);
        double mx = xs.stream().mapToDouble(Number::doubleValue).average().orElse(0);
        double my = ys.stream().mapToDouble(Number::doubleValue).average().orElse(0);
        return my - slope * mx;
    }
}
