package dev.libpool.e2e.demo;

import dev.libpool.api.v1alpha1.PoolMedium;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One way of running the same guests: what backs their libraries (own disk, or the pool on one medium) and RAM,
 * and whether KSM runs. The pool modes with KSM or shared-memfd RAM use PageCache, the medium whose cost is
 * what guests touch; each medium alone has its own mode.
 */
public enum Mode {
    OWN_DISK("own-disk", "own disk (baseline)", null, false, false),
    OWN_DISK_KSM("own-disk+ksm", "own disk + KSM", null, true, false),
    /** Guest RAM in a shared memfd, as KubeVirt sets it up for virtiofs or passt: KSM cannot merge it. */
    MEMFD("memfd", "shared-memfd RAM, own disk", null, false, true),
    POOL("pool-tmpfs", "pool (tmpfs)", PoolMedium.tmpfs, false, false),
    POOL_HUGETLBFS("pool-hugetlbfs", "pool (hugetlbfs)", PoolMedium.hugetlbfs, false, false),
    POOL_PAGECACHE("pool-pagecache", "pool (PageCache)", PoolMedium.PageCache, false, false),
    POOL_KSM("pool+ksm", "pool (PageCache) + KSM", PoolMedium.PageCache, true, false),
    MEMFD_POOL("memfd+pool", "shared-memfd RAM + pool (PageCache)", PoolMedium.PageCache, false, true);

    /** The modes a full demo runs, in the order it runs them (the baseline first; one lab per pool medium). */
    public static final List<Mode> ALL = List.of(values());
    /** The modes of {@code --quick}: the baseline and the pool, nothing that waits for KSM. */
    public static final List<Mode> QUICK = List.of(OWN_DISK, POOL_PAGECACHE);

    private final String id;
    private final String label;
    private final PoolMedium medium;
    private final boolean ksm;
    private final boolean sharedMemfd;

    Mode(String id, String label, PoolMedium medium, boolean ksm, boolean sharedMemfd) {
        this.id = id;
        this.label = label;
        this.medium = medium;
        this.ksm = ksm;
        this.sharedMemfd = sharedMemfd;
    }

    /** The short name used on the command line ({@code --modes pool,own-disk}). */
    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    public boolean usesPool() {
        return medium != null;
    }

    /** The pool's medium in this mode; null when the guests use their own disks only. */
    public PoolMedium medium() {
        return medium;
    }

    public boolean usesKsm() {
        return ksm;
    }

    public boolean sharedMemfd() {
        return sharedMemfd;
    }

    public static Mode fromId(String id) {
        return Arrays.stream(values())
                .filter(m -> m.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--modes: unknown mode '" + id + "'; use one of "
                        + Arrays.stream(values()).map(Mode::id).collect(Collectors.joining(", "))));
    }
}
