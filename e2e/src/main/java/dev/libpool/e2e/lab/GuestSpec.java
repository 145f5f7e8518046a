package dev.libpool.e2e.lab;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One guest to boot in a {@link GuestLab}.
 *
 * @param name           domain name suffix and label in progress lines (lower-case letters, digits, '-')
 * @param pool           true: the lab's pool is attached as a KubeVirt hostDisk turned into virtio-pmem by
 *                       the real hook; false: "own disk" baseline, libraries come from the root disk only
 * @param memoryMiB      guest RAM
 * @param sharedMemfd    guest RAM in a shared memfd, as KubeVirt sets it up for virtiofs or passt (KSM
 *                       cannot merge such RAM)
 * @param changedLibrary a guest path (e.g. /usr/lib/x86_64-linux-gnu/libz.so.1) whose file this guest's
 *                       root disk holds in a changed version, so the attach must keep the guest's copy
 * @param ksmMergeable   true (QEMU's default, as under KubeVirt): the host's KSM may merge this guest's RAM;
 *                       false: {@code <nosharepages/>}, so a measurement does not depend on whether KSM
 *                       happens to run on the host
 */
public record GuestSpec(String name, boolean pool, int memoryMiB, boolean sharedMemfd, Optional<String> changedLibrary,
                        boolean ksmMergeable) {
    public static final int DEFAULT_MEMORY_MIB = 512;
    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?");

    public GuestSpec {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("guest name \"" + name
                    + "\" must be 1-32 lower-case letters, digits or '-' (it becomes part of the domain name)");
        }
        if (memoryMiB < 128) {
            throw new IllegalArgumentException("guest " + name + ": memoryMiB " + memoryMiB
                    + " is too small for the workload; use at least 128 (default " + DEFAULT_MEMORY_MIB + ")");
        }
        changedLibrary.ifPresent(path -> {
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("guest " + name + ": changedLibrary must be an absolute guest path, got "
                        + path);
            }
        });
    }

    /** A guest whose RAM KSM may merge (QEMU's default). */
    public GuestSpec(String name, boolean pool, int memoryMiB, boolean sharedMemfd, Optional<String> changedLibrary) {
        this(name, pool, memoryMiB, sharedMemfd, changedLibrary, true);
    }

    /** A guest whose libraries come from its own disk only (the baseline). */
    public static GuestSpec ownDisk(String name) {
        return new GuestSpec(name, false, DEFAULT_MEMORY_MIB, false, Optional.empty());
    }

    /** A guest that attaches the lab's pool. */
    public static GuestSpec withPool(String name) {
        return new GuestSpec(name, true, DEFAULT_MEMORY_MIB, false, Optional.empty());
    }

    public GuestSpec memory(int mib) {
        return new GuestSpec(name, pool, mib, sharedMemfd, changedLibrary, ksmMergeable);
    }

    public GuestSpec sharedMemfdRam() {
        return new GuestSpec(name, pool, memoryMiB, true, changedLibrary, ksmMergeable);
    }

    public GuestSpec changing(String guestPath) {
        return new GuestSpec(name, pool, memoryMiB, sharedMemfd, Optional.of(guestPath), ksmMergeable);
    }

    /** The same guest with RAM that KSM never merges (QEMU mem-merge=off). */
    public GuestSpec withoutKsm() {
        return new GuestSpec(name, pool, memoryMiB, sharedMemfd, changedLibrary, false);
    }
}
