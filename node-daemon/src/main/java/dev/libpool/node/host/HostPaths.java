package dev.libpool.node.host;

import dev.libpool.api.v1alpha1.VmContract;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Every host path the daemon reads or writes, resolved under one configurable root (as Node Feature
 * Discovery's hostpath.go does): in a pod the host is mounted at e.g. /host, in tests a fixture tree.
 *
 * @param root         the host's "/" as this process sees it
 * @param stateDir     the daemon's state directory as an absolute host path (default /var/lib/libpool)
 * @param mountContext the SELinux context for the pools' mounts where SELinux is enabled ("none" or empty: none);
 *                     see {@link SelinuxMount}
 */
public record HostPaths(Path root, String stateDir, String mountContext) {

    public static final String DEFAULT_STATE_DIR = VmContract.DEFAULT_STATE_DIR;

    public HostPaths {
        Objects.requireNonNull(root, "root");
        if (stateDir == null || !stateDir.startsWith("/")) {
            throw new IllegalArgumentException("state dir must be an absolute path, got: " + stateDir);
        }
        SelinuxMount.check(mountContext);
    }

    /** With KubeVirt's hostDisk context for the pool mounts. */
    public HostPaths(Path root, String stateDir) {
        this(root, stateDir, VmContract.POOL_MOUNT_SELINUX_CONTEXT);
    }

    /** This process's own view of the host: root "/" and the default state directory. */
    public static HostPaths ofHost() {
        return new HostPaths(Path.of("/"), DEFAULT_STATE_DIR);
    }

    /** A host path ("/proc", "/sys/kernel/mm/ksm", ...) under the configured root. */
    public Path resolve(String hostPath) {
        return root.resolve(hostPath.startsWith("/") ? hostPath.substring(1) : hostPath);
    }

    public Path proc() {
        return resolve("/proc");
    }

    public Path sys() {
        return resolve("/sys");
    }

    public Path state() {
        return resolve(stateDir);
    }

    /** Per pool a dedicated tmpfs/hugetlbfs mount point: the directory VMs' hostDisk points into. */
    public Path poolDir(String pool) {
        return state().resolve(VmContract.POOLS_DIR).resolve(pool);
    }

    /** Image records (manifest, size, digest) of the generations of a pool, outside the VM-visible mount. */
    public Path metaDir(String pool) {
        return state().resolve("meta").resolve(pool);
    }

    /** Scratch space for staging trees and unpadded images, on the state dir's own filesystem. */
    public Path buildDir() {
        return state().resolve("build");
    }

    public Path lockFile() {
        return state().resolve("lock");
    }
}
