package dev.libpool.node.pool;

import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Sizes derived from spec.maxSize alone, so the operator and the hook know the virtio-pmem size without
 * reading the pool file. The device leaves room for EROFS metadata, per-file 4 KiB rounding
 * (-Enoinline_data) and the manifest: maxSize + 1/8 + 8 MiB, rounded up to 2 MiB (DAX needs 2 MiB alignment).
 * The padding is a hole: it costs no memory.
 */
public final class PoolGeometry {

    public static final long ALIGNMENT = 2L << 20;
    private static final long FIXED_OVERHEAD = 8L << 20;
    /** The current generation, one retained generation, one being published, and slack. */
    private static final int GENERATIONS_PER_MEDIUM = 4;

    private PoolGeometry() {
    }

    public static long maxBytes(Quantity maxSize) {
        if (maxSize == null) {
            throw new IllegalArgumentException("spec.maxSize is required, e.g. 256Mi");
        }
        BigDecimal bytes = maxSize.getNumericalAmount().setScale(0, RoundingMode.CEILING);
        if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(1L << 40)) > 0) {
            throw new IllegalArgumentException("spec.maxSize must be between 1 byte and 1Ti, got " + maxSize);
        }
        return bytes.longValueExact();
    }

    /** The fixed size of every generation of the pool file: the virtio-pmem device size. */
    public static long deviceSizeBytes(Quantity maxSize) {
        long max = maxBytes(maxSize);
        return alignUp(max + max / 8 + FIXED_OVERHEAD);
    }

    /** The size limit of the pool's dedicated tmpfs (a limit, not a reservation). */
    public static long mediumSizeBytes(Quantity maxSize) {
        return GENERATIONS_PER_MEDIUM * deviceSizeBytes(maxSize);
    }

    static long alignUp(long bytes) {
        return (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }
}
