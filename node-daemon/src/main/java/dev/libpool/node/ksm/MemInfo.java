package dev.libpool.node.ksm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** MemTotal and MemAvailable of /proc/meminfo, in KiB. */
public record MemInfo(long totalKiB, long availableKiB) {
    public static MemInfo read(Path meminfo) throws IOException {
        return parse(Files.readString(meminfo), meminfo.toString());
    }

    static MemInfo parse(String text, String source) {
        long total = -1;
        long available = -1;
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 2 && fields[0].equals("MemTotal:")) {
                total = Long.parseLong(fields[1]);
            } else if (fields.length >= 2 && fields[0].equals("MemAvailable:")) {
                available = Long.parseLong(fields[1]);
            }
        }
        if (total <= 0 || available < 0) {
            throw new IllegalArgumentException(source + " has no MemTotal/MemAvailable lines (Linux 3.14+ needed)");
        }
        return new MemInfo(total, available);
    }

    public long usedKiB() {
        return Math.max(0, totalKiB - availableKiB);
    }
}
