package dev.libpool.api.v1alpha1;

/**
 * What holds a pool image on the node. {@code tmpfs} and {@code hugetlbfs} are spelled as their filesystem
 * type names (the daemon mounts one per pool; the whole image is resident and pinned). {@code PageCache} is a
 * read-only file on the state directory's own disk: only the pages guests touch are resident, once for all
 * guests, and they are reclaimable.
 */
public enum PoolMedium {
    tmpfs, hugetlbfs, PageCache;

    /** Whether the daemon mounts a dedicated filesystem of this type for the pool. */
    public boolean mounted() {
        return this != PageCache;
    }
}
