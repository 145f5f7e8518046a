package dev.libpool.node.pool;

import java.util.Set;

/** Rss (with hugetlbfs pages) and Pss of the mappings of given files in one /proc/PID/smaps text. Pure, for fixture tests. */
public record SmapsUsage(long rssBytes, long pssBytes) {

    public static SmapsUsage of(String smaps, Set<FileKey> files) {
        long rssKb = 0, pssKb = 0;
        boolean inWanted = false;
        for (String line : smaps.split("\n")) {
            FileKey header = ProcMaps.keyOfHeader(line);
            if (header != null) {
                inWanted = files.contains(header);
            } else if (inWanted && line.startsWith("Rss:")) {
                rssKb += kilobytes(line);
            } else if (inWanted && line.startsWith("Pss:")) {
                pssKb += kilobytes(line);
            } else if (inWanted && (line.startsWith("Shared_Hugetlb:") || line.startsWith("Private_Hugetlb:"))) {
                rssKb += kilobytes(line); // hugetlbfs pages are not in Rss; the kernel keeps no Pss for them
            }
        }
        return new SmapsUsage(rssKb * 1024, pssKb * 1024);
    }

    /** "Rss:                 128 kB" -> 128 */
    private static long kilobytes(String line) {
        String[] f = line.trim().split("\\s+");
        return f.length >= 2 ? Long.parseLong(f[1]) : 0;
    }
}
