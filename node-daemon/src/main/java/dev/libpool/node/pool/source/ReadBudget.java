package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.time.Duration;

/**
 * What one read of an untrusted image may cost: bytes written to the scratch tree, entries created there, and
 * wall time. A crafted image (a library of 1 TiB of holes, a million links, a directory that contains itself)
 * stops at the first limit with {@link Reason#DiskImageOverBudget}, which is remembered for that image.
 */
final class ReadBudget {

    /** Scratch bytes per byte of maxSize: the include directories hold more than the libraries selected. */
    static final int BYTES_PER_MAX_SIZE = 8;
    static final int MAX_ENTRIES = 200_000;
    static final Duration MAX_TIME = Duration.ofMinutes(5);

    private final String field;
    private final long maxBytes;
    private final int maxEntries;
    private final long deadline;
    private final Duration time;
    private long bytes;
    private int entries;

    ReadBudget(String field, long maxBytes, int maxEntries, Duration time) {
        this.field = field;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
        this.time = time;
        this.deadline = System.nanoTime() + time.toNanos();
    }

    /** The budget of a pool whose spec.maxSize is {@code maxSize} bytes. */
    static ReadBudget forPool(String field, long maxSize) {
        long bytes = maxSize > Long.MAX_VALUE / BYTES_PER_MAX_SIZE ? Long.MAX_VALUE : maxSize * BYTES_PER_MAX_SIZE;
        return new ReadBudget(field, bytes, MAX_ENTRIES, MAX_TIME);
    }

    long bytes() {
        return bytes;
    }

    int entries() {
        return entries;
    }

    /** Takes {@code n} more bytes, before they are written. */
    void spend(long n, String what) throws PoolFailure {
        bytes += n;
        if (bytes > maxBytes || bytes < 0) {
            throw over(maxBytes + " bytes of scratch space (" + BYTES_PER_MAX_SIZE + " x spec.maxSize)", what);
        }
        checkTime(what);
    }

    /** Takes one more entry (a file, link or directory) of the copy. */
    void entry(String what) throws PoolFailure {
        if (++entries > maxEntries) {
            throw over(maxEntries + " files, links and directories", what);
        }
        checkTime(what);
    }

    void checkTime(String what) throws PoolFailure {
        if (System.nanoTime() - deadline > 0) {
            throw over(time.toSeconds() + " s of reading", what);
        }
    }

    private PoolFailure over(String limit, String what) {
        return new PoolFailure(Reason.DiskImageOverBudget, field + ": reading the image needs more than " + limit
                + " (at " + dev.libpool.node.pool.GuestPaths.printable(what) + "): the include directories of a guest root are far "
                + "smaller; narrow include, raise spec.maxSize, or check the image (a crafted or damaged file system)");
    }
}
