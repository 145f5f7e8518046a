package dev.libpool.e2e.demo;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** One way of running the same guests: what backs their libraries and RAM, and whether KSM runs. */
public enum Mode {
    OWN_DISK("own-disk", "own disk (baseline)", false, false, false),
    POOL("pool", "pool", true, false, false),
    OWN_DISK_KSM("own-disk+ksm", "own disk + KSM", false, true, false),
    POOL_KSM("pool+ksm", "pool + KSM", true, true, false),
    /** Guest RAM in a shared memfd, as KubeVirt sets it up for virtiofs or passt: KSM cannot merge it. */
    MEMFD("memfd", "shared-memfd RAM, own disk", false, false, true),
    MEMFD_POOL("memfd+pool", "shared-memfd RAM + pool", true, false, true);

    /** The modes a full demo runs, in the order it runs them (the baseline first). */
    public static final List<Mode> ALL = List.of(values());
    /** The modes of {@code --quick}: the baseline and the pool, nothing that waits for KSM. */
    public static final List<Mode> QUICK = List.of(OWN_DISK, POOL);

    private final String id;
    private final String label;
    private final boolean pool;
    private final boolean ksm;
    private final boolean sharedMemfd;

    Mode(String id, String label, boolean pool, boolean ksm, boolean sharedMemfd) {
        this.id = id;
        this.label = label;
        this.pool = pool;
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
        return pool;
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
