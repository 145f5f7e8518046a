package dev.libpool.operator.config;

import dev.libpool.api.v1alpha1.VmContract;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The operator's settings, set by the chart's Deployment through environment variables
 * (e.g. {@code LIBPOOL_NAMESPACE}, {@code LIBPOOL_DAEMON_IMAGE}, {@code LIBPOOL_DAEMON_MEMORY_LIMIT}).
 */
@ConfigMapping(prefix = "libpool")
public interface LibpoolConfig {

    /** The namespace the operator runs in; the node daemon's DaemonSet goes there. */
    @WithDefault("libpool-system")
    String namespace();

    /** The node daemon's state directory on every node (pool files under pools/). */
    @WithDefault(VmContract.DEFAULT_STATE_DIR)
    String stateDir();

    /**
     * KubeVirt's sidecar-shim image for the hook; unset means KubeVirt's own installed shim (no image in the hook
     * entry) from KubeVirt 1.3 on, and before that the one of the installed KubeVirt's registry, prefix and version.
     */
    Optional<String> sidecarShimImage();

    /** How often every pool is reconciled even without events (a resync makes no writes when nothing changed). */
    @WithDefault("10m")
    Duration resyncPeriod();

    /** One active operator at a time (Lease libpool-operator in {@link #namespace()}); off only for single-replica tests. */
    @WithDefault("true")
    boolean leaderElection();

    /**
     * How containerDisk pools reach the node daemon: ImageVolume, HelperContainer, or Auto (by the API server's
     * version; see {@link ContainerDiskMode#Auto} for what it cannot see).
     */
    @WithDefault("Auto")
    ContainerDiskMode containerDiskMode();

    Daemon daemon();

    interface Daemon {
        @WithDefault("libpool/node-daemon:0.1.0")
        String image();

        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        @WithDefault("libpool-node-daemon")
        String serviceAccount();

        /** Node daemons hold the memory VMs map: evicting one must come after ordinary pods. */
        @WithDefault("system-node-critical")
        String priorityClassName();

        @WithDefault("50m")
        String cpuRequest();

        @WithDefault("128Mi")
        String memoryRequest();

        /**
         * The daemon's JVM (about 100 MiB) AND its tmpfs pools: tmpfs pages are charged to the memory cgroup of
         * the process that wrote them, the daemon. The chart's default, 1Gi, holds tmpfs pools of ~850 MiB.
         */
        @WithDefault("1Gi")
        String memoryLimit();

        /**
         * Taints the daemon tolerates, each {@code key[=value]:effect} or {@code key:*}; {@code *} alone tolerates
         * every taint (default: VMs can run on tainted nodes, and their pool must be there too).
         */
        @WithDefault("*")
        List<String> tolerations();

        /**
         * The SELinux context of the pools' tmpfs and hugetlbfs mounts where SELinux is enabled on the node (the daemon
         * leaves it out elsewhere); {@code none} for no context. Default: the one KubeVirt's hostDisk tests use.
         */
        @WithDefault(VmContract.POOL_MOUNT_SELINUX_CONTEXT)
        String selinuxMountContext();
    }
}
