package dev.libpool.e2e.lab;

import dev.libpool.api.v1alpha1.PoolMedium;
import java.nio.file.Path;

/**
 * Where a {@link GuestLab} keeps things and which pool it serves.
 *
 * @param cacheDir    guest kernel, initramfs, root tree and image; kept between runs so reruns are fast
 * @param workDir     this run's disks, consoles, domain XML, libvirt state and pool state (tmpfs mount)
 * @param poolName    the pool's name (a DNS label), or null for a lab without pool (own-disk guests only)
 * @param poolMaxSize the pool's spec.maxSize, e.g. 512Mi; null sizes it to the guest root's libraries
 *                    (+20%): the virtio-pmem device grows with maxSize, and every guest pays ~1.6% of the
 *                    device size for its struct pages, so a loose maxSize costs each guest memory
 * @param poolManifest a SharedLibraryPool YAML to build the pool from as written (its source.hostPath.path
 *                    becomes a link to the lab's guest root; its name replaces poolName), or null
 * @param hugePages   true (default): QEMU backs guest RAM with transparent huge pages as the host allows;
 *                    false: THP off for the lab's QEMUs, so what a guest touches costs the host exactly
 *                    that many 4 KiB pages (precise comparisons; THP rounds to 2 MiB and khugepaged moves it)
 * @param poolMedium  null: the pool's spec.medium as written; else this medium (the demo measures each)
 */
public record LabOptions(Path cacheDir, Path workDir, String poolName, String poolMaxSize, Path poolManifest,
                         boolean hugePages, PoolMedium poolMedium) {
    /** Environment variable naming the cache directory (default /var/cache/libpool-e2e). */
    public static final String CACHE_ENV = "LIBPOOL_E2E_CACHE";
    public static final String DEFAULT_POOL = "e2e-libs";
    /** The default spec.maxSize: null, i.e. sized to the guest root's libraries (see poolMaxSize). */
    public static final String DEFAULT_MAX_SIZE = null;

    /** Huge pages as the host allows (QEMU's default). */
    public LabOptions(Path cacheDir, Path workDir, String poolName, String poolMaxSize) {
        this(cacheDir, workDir, poolName, poolMaxSize, null, true, null);
    }

    /** The default cache, a work directory and the default pool, sized to the guest root's libraries. */
    public static LabOptions withPool(Path workDir) {
        return new LabOptions(defaultCacheDir(), workDir, DEFAULT_POOL, DEFAULT_MAX_SIZE);
    }

    /** The default cache and a work directory, no pool: own-disk guests only. */
    public static LabOptions withoutPool(Path workDir) {
        return new LabOptions(defaultCacheDir(), workDir, null, null);
    }

    public static Path defaultCacheDir() {
        String env = System.getenv(CACHE_ENV);
        return Path.of(env != null && !env.isBlank() ? env : "/var/cache/libpool-e2e");
    }

    public LabOptions cache(Path dir) {
        return new LabOptions(dir, workDir, poolName, poolMaxSize, poolManifest, hugePages, poolMedium);
    }

    public LabOptions pool(String name, String maxSize) {
        return new LabOptions(cacheDir, workDir, name, maxSize, poolManifest, hugePages, poolMedium);
    }

    /** The same lab with its pool built from a SharedLibraryPool YAML as written (see poolManifest). */
    public LabOptions poolFrom(Path manifest) {
        return new LabOptions(cacheDir, workDir, poolName, poolMaxSize, manifest, hugePages, poolMedium);
    }

    /** The same lab with transparent huge pages off for its QEMUs. */
    public LabOptions withoutHugePages() {
        return new LabOptions(cacheDir, workDir, poolName, poolMaxSize, poolManifest, false, poolMedium);
    }

    /** The same lab with its pool on {@code medium} instead of the one its spec names. */
    public LabOptions medium(PoolMedium medium) {
        return new LabOptions(cacheDir, workDir, poolName, poolMaxSize, poolManifest, hugePages, medium);
    }
}
