package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.VmContract;
import io.fabric8.kubernetes.api.model.Quantity;

/**
 * Sizes derived from spec.maxSize alone, so the operator and the hook know the virtio-pmem size without
 * reading the pool file. The device leaves room for EROFS metadata, per-file 4 KiB rounding
 * (-Enoinline_data) and the manifest: maxSize + 1/8 + 8 MiB, rounded up to 2 MiB (DAX needs 2 MiB alignment).
 * The padding is a hole: it costs no memory.
 */
public final class PoolGeometry {

    public static final long ALIGNMENT = VmContract.DEVICE_ALIGN;
    /** The current generation, one retained generation, one being published, and slack. */
    private static final int GENERATIONS_PER_MEDIUM = 4;

    private PoolGeometry() {
    }

    public static long maxBytes(Quantity maxSize) {
        return VmContract.maxBytes(maxSize);
    }

    /** The fixed size of every generation of the pool file: the virtio-pmem device size. */
    public static long deviceSizeBytes(Quantity maxSize) {
        return VmContract.deviceSizeBytes(maxSize);
    }

    /** The size limit of the pool's dedicated tmpfs (a limit, not a reservation). */
    public static long mediumSizeBytes(Quantity maxSize) {
        return GENERATIONS_PER_MEDIUM * deviceSizeBytes(maxSize);
    }

    static long alignUp(long bytes) {
        return VmContract.alignUp(bytes);
    }
}
