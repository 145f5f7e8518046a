package dev.libpool.e2e.demo;

import java.util.Locale;
import java.util.OptionalLong;

/** How the report writes figures: memory in MiB with one decimal, shares in whole percent. */
final class Units {

    static final double MIB = 1024.0 * 1024.0;

    private Units() {
    }

    static String mib(double bytes) {
        return Double.isNaN(bytes) ? "-" : String.format(Locale.ROOT, "%.1f", bytes / MIB);
    }

    static String mib(OptionalLong bytes) {
        return bytes.isPresent() ? mib(bytes.getAsLong()) : "-";
    }

    static String mibWithShare(OptionalLong bytes, double share) {
        if (bytes.isEmpty()) {
            return "-";
        }
        return Double.isNaN(share) ? mib(bytes) : mib(bytes) + String.format(Locale.ROOT, " (%.0f%%)", share * 100);
    }

    static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.1f", seconds);
    }
}
