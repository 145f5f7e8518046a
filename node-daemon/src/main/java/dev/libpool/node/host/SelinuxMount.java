package dev.libpool.node.host;

import java.nio.file.Files;

/**
 * The SELinux context option of the pools' tmpfs and hugetlbfs mounts. On an enforcing node QEMU runs confined
 * (container_t) and may only read files of a type it is allowed: KubeVirt's own hostDisk tests mount their tmpfs with
 * {@code context=system_u:object_r:container_file_t:s0}, and so does the daemon where SELinux is enabled. Where it
 * is not, the kernel refuses the option, so it is left out.
 */
public final class SelinuxMount {

    /** Chart value nodeDaemon.selinuxMountContext, operator setting libpool.daemon.selinux-mount-context. */
    public static final String NONE = "none";
    private static final String WHERE = "--mount-context (chart value nodeDaemon.selinuxMountContext)";

    private SelinuxMount() {
    }

    /** Whether SELinux is enabled here (enforcing or permissive): selinuxfs answers, as libselinux's is_selinux_enabled. */
    public static boolean enabled(HostPaths paths) {
        return Files.exists(paths.sys().resolve("fs/selinux/enforce"));
    }

    /** The context the pool mounts get on this host: empty when SELinux is off or none is configured. */
    public static String effective(HostPaths paths) {
        return enabled(paths) ? context(paths.mountContext()) : "";
    }

    /**
     * The mount data: {@code base} plus {@code context=...} when there is a context. A context with MCS categories
     * holds commas ({@code s0:c1,c2}), which would split the option: it is quoted, as mount(8) and the kernel accept.
     */
    public static String mountData(String base, String context) {
        if (context.isEmpty()) {
            return base;
        }
        return base + ",context=" + (context.contains(",") ? "\"" + context + "\"" : context);
    }

    /** Refuses a context that cannot be one mount option. */
    static void check(String context) {
        if (context == null) {
            throw new IllegalArgumentException(WHERE + " is missing: give an SELinux context such as "
                    + dev.libpool.api.v1alpha1.VmContract.POOL_MOUNT_SELINUX_CONTEXT + ", or none");
        }
        if (!context.matches("[A-Za-z0-9_.:,-]*")) {
            throw new IllegalArgumentException(WHERE + " '" + context + "' is not an SELinux context (user:role:type:level,"
                    + " letters, digits and _ . : , - only): use e.g. " + dev.libpool.api.v1alpha1.VmContract.POOL_MOUNT_SELINUX_CONTEXT
                    + ", or none");
        }
    }

    private static String context(String configured) {
        return configured.isEmpty() || configured.equals(NONE) ? "" : configured;
    }
}
