package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.VmContract;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the KSM code reads and writes. The sysfs directory defaults to the host's through /proc/1/root, as
 * KubeVirt's handler writes it, because a container's own /sys may be mounted read-only.
 *
 * @param sysfsKsmDir   /sys/kernel/mm/ksm of the host
 * @param procRoot      /proc that shows the host's processes (ksmd, ksmtuned, QEMU)
 * @param meminfo       /proc/meminfo
 * @param originalsFile where the node's original knob values are saved, on the host
 * @param pageSizeBytes page size for the profit estimate on kernels without general_profit
 */
public record KsmPaths(Path sysfsKsmDir, Path procRoot, Path meminfo, Path originalsFile, long pageSizeBytes) {
    public static final Path HOST_SYSFS_KSM = Path.of("/proc/1/root/sys/kernel/mm/ksm");
    public static final Path LOCAL_SYSFS_KSM = Path.of("/sys/kernel/mm/ksm");
    public static final Path DEFAULT_STATE_DIR = Path.of(VmContract.DEFAULT_STATE_DIR);
    public static final String ORIGINALS_FILE_NAME = "ksm-original.json";
    /** x86-64 base page size; the only architecture libpool's node daemon targets. */
    public static final long PAGE_SIZE_BYTES = 4096;

    public static KsmPaths defaults() {
        return defaults(DEFAULT_STATE_DIR);
    }

    /**
     * The host's KSM through /proc/1/root when readable, else this mount namespace's /sys/kernel/mm/ksm (the
     * daemon or demo run directly on the host, or /proc/1/root is not accessible).
     */
    public static KsmPaths defaults(Path stateDir) {
        Path sysfs = Files.isReadable(HOST_SYSFS_KSM.resolve("run")) ? HOST_SYSFS_KSM : LOCAL_SYSFS_KSM;
        return new KsmPaths(sysfs, Path.of("/proc"), Path.of("/proc/meminfo"), stateDir.resolve(ORIGINALS_FILE_NAME),
                PAGE_SIZE_BYTES);
    }
}
