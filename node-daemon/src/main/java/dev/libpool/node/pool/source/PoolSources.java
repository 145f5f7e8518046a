package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.DiskImageOptions;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.pool.GlobMatcher;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Opens a pool's spec.source as a directory tree: the hostPath itself, or the root file system of a disk image. */
public final class PoolSources {

    private final HostPaths paths;
    private final Path containerDiskRoot;

    /** @param containerDiskRoot where this process sees the containerDisk volumes ({@link ContainerDiskSource#MOUNT_ROOT}) */
    public PoolSources(HostPaths paths, Path containerDiskRoot) {
        this.paths = paths;
        this.containerDiskRoot = containerDiskRoot;
    }

    public static PoolSources onHost(HostPaths paths) {
        return new PoolSources(paths, Path.of(ContainerDiskSource.MOUNT_ROOT));
    }

    /** Checks the shape the API server also checks: a daemon may read a spec that bypassed it (a standalone file). */
    public static void validate(PoolSource source) throws PoolFailure {
        int set = (source == null ? 0 : (source.getHostPath() != null ? 1 : 0) + (source.getDiskImage() != null ? 1 : 0)
                + (source.getContainerDisk() != null ? 1 : 0));
        if (set != 1) {
            throw new PoolFailure(Reason.InvalidSpec, "set exactly one of spec.source.hostPath, spec.source.diskImage or "
                    + "spec.source.containerDisk");
        }
        if (source.getHostPath() != null && !absolute(source.getHostPath().getPath())) {
            throw new PoolFailure(Reason.InvalidSpec, "spec.source.hostPath.path must be an absolute directory on the "
                    + "node, e.g. /var/lib/guest-root");
        }
        if (source.getDiskImage() != null && !absolute(source.getDiskImage().getPath())) {
            throw new PoolFailure(Reason.InvalidSpec, "spec.source.diskImage.path must be an absolute file on the "
                    + "node, e.g. /var/lib/images/debian-12.qcow2");
        }
        if (source.getContainerDisk() != null && (source.getContainerDisk().getImage() == null
                || source.getContainerDisk().getImage().isBlank())) {
            throw new PoolFailure(Reason.InvalidSpec, "spec.source.containerDisk.image must name the containerDisk "
                    + "image, e.g. quay.io/containerdisks/debian:12");
        }
    }

    private static boolean absolute(String path) {
        return path != null && path.startsWith("/");
    }

    /**
     * What identifies the source's content without reading it: the disk image file's device, inode, size and
     * change times. Empty for a hostPath (a tree has no such key: it is walked every pass).
     */
    public Optional<String> contentKey(String pool, PoolSource source) throws PoolFailure, IOException {
        if (source.getHostPath() != null) {
            return Optional.empty();
        }
        Path image = imageFile(pool, source);
        if (!Files.isRegularFile(image)) {
            return Optional.empty();
        }
        Object dev = Files.getAttribute(image, "unix:dev");
        Object ino = Files.getAttribute(image, "unix:ino");
        Object ctime = Files.getAttribute(image, "unix:ctime");
        return Optional.of(image + "|" + dev + "|" + ino + "|" + Files.size(image) + "|"
                + Files.getLastModifiedTime(image).toInstant() + "|" + ctime);
    }

    /** The tree to select from; close it once the pool is built (a disk image's copy is deleted then). */
    public SourceTree open(String pool, PoolSource source, List<String> include) throws PoolFailure, IOException {
        if (source.getHostPath() != null) {
            String path = source.getHostPath().getPath();
            return new SourceTree(paths.resolve(path), "source.hostPath.path " + path, null);
        }
        DiskImageOptions options = source.getDiskImage() != null ? source.getDiskImage() : source.getContainerDisk();
        DiskImageReader.Hints hints = new DiskImageReader.Hints(options.getPartition(),
                options.getFilesystem() == null ? null : options.getFilesystem().name());
        return DiskImageReader.extract(imageFile(pool, source), field(source), hints,
                GlobMatcher.walkRoots(include), paths.buildDir());
    }

    private static String field(PoolSource source) {
        return source.getDiskImage() != null ? "source.diskImage.path " + source.getDiskImage().getPath()
                : "source.containerDisk " + source.getContainerDisk().getImage();
    }

    private Path imageFile(String pool, PoolSource source) throws PoolFailure, IOException {
        if (source.getDiskImage() != null) {
            return paths.resolve(source.getDiskImage().getPath());
        }
        ContainerDiskSource disk = source.getContainerDisk();
        Path mount = containerDiskRoot.resolve(pool);
        if (!Files.isDirectory(mount)) {
            throw new PoolFailure(Reason.DiskImageMissing, "the containerDisk " + disk.getImage() + " is not mounted at "
                    + mount + " in the node daemon: the operator adds it to the node daemon DaemonSet as an image "
                    + "volume (Kubernetes ImageVolume feature, 1.33+); check the DaemonSet's pods and their events");
        }
        Path real = mount.toRealPath();
        if (disk.getPath() != null) {
            Path file = mount.resolve(disk.getPath().substring(1));
            // the image is untrusted: a link in it must not lead the daemon to a file of the node
            if (!Files.exists(file) || !file.toRealPath().startsWith(real)) {
                throw new PoolFailure(Reason.DiskImageMissing, "source.containerDisk.path " + disk.getPath() + " is "
                        + "not a file inside " + disk.getImage() + ": fix the path (e.g. /disk/disk.qcow2)");
            }
            return file.toRealPath();
        }
        List<Path> disks = new ArrayList<>();
        Path dir = mount.resolve(ContainerDiskSource.DISK_DIR.substring(1));
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.{qcow2,img,raw}")) {
                for (Path f : files) {
                    if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        disks.add(f);
                    }
                }
            }
        }
        if (disks.size() != 1) {
            throw new PoolFailure(disks.isEmpty() ? Reason.DiskImageMissing : Reason.InvalidSpec, "the containerDisk "
                    + disk.getImage() + " has " + (disks.isEmpty() ? "no" : disks.size()) + " *.qcow2, *.img or *.raw "
                    + "file(s) under " + ContainerDiskSource.DISK_DIR + (disks.isEmpty() ? ": use a KubeVirt containerDisk "
                    + "image, or set source.containerDisk.path" : ": set source.containerDisk.path to one of " + disks));
        }
        return disks.get(0);
    }
}
