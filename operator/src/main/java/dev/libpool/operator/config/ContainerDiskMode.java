package dev.libpool.operator.config;

/**
 * How the node daemon DaemonSet brings the containerDisk of a pool ({@code spec.source.containerDisk}) to the
 * daemon; chart value {@code containerDiskMode}.
 */
public enum ContainerDiskMode {
    /** A Kubernetes image volume per pool, mounted read-only in the daemon container. */
    ImageVolume,
    /**
     * A helper container per pool in the daemon's pod that runs the image with a static sleeper as its command; the
     * daemon reads the disk through the container's root ({@code /proc/<pid>/root}), as virt-handler does.
     */
    HelperContainer,
    /**
     * ImageVolume when the API server's version has the ImageVolume feature on by default (1.35 and later), else
     * HelperContainer. The version is all Auto sees: a 1.33/1.34 cluster with the gate enabled by its admin still
     * gets HelperContainer (set ImageVolume there), and a cluster that turned the gate off must set HelperContainer.
     */
    Auto;

    /** The first Kubernetes minor whose API server and kubelet have ImageVolume on by default (beta since 1.33). */
    public static final int IMAGE_VOLUME_DEFAULT_MINOR = 35;

    /**
     * The mode for an API server of this version (as {@code /version} gives it: major "1", minor "35" or "35+").
     * An explicit mode is kept; Auto picks by the version and falls back to HelperContainer, which works on any
     * cluster, when the version cannot be read.
     */
    public ContainerDiskMode forServer(String major, String minor) {
        if (this != Auto) {
            return this;
        }
        try {
            int ma = Integer.parseInt(major.replaceAll("\\D", ""));
            int mi = Integer.parseInt(minor.replaceAll("\\D", ""));
            return ma > 1 || (ma == 1 && mi >= IMAGE_VOLUME_DEFAULT_MINOR) ? ImageVolume : HelperContainer;
        } catch (RuntimeException e) {
            return HelperContainer;
        }
    }
}
