package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.DiskImageOptions;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.pool.GlobMatcher;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Opens a pool's spec.source as a directory tree: the hostPath itself, or the root file system of a disk image. */
public final class PoolSources {

    private final HostPaths paths;
    private final Path containerDiskRoot;
    private final Path proc;
    private final String helperDiskDir;
    private final Path hostProc;
    private BackgroundReads reads;

    /** @param containerDiskRoot where this process sees the containerDisk volumes ({@link ContainerDiskSource#MOUNT_ROOT}) */
    public PoolSources(HostPaths paths, Path containerDiskRoot) {
        this(paths, containerDiskRoot, Path.of("/proc"), ContainerDiskSource.DISK_DIR, paths.proc());
    }

    /**
     * @param proc          the /proc of the daemon's own PID namespace (its pod's, shareProcessNamespace), where the
     *                      helper containers of the HelperContainer mode run
     * @param helperDiskDir the directory inside a helper container's root that holds the disk ({@code /disk})
     * @param hostProc      the host's /proc: helpers are looked for only when {@code proc} is another PID namespace
     *                      than the host's; null skips that check (tests whose helpers are processes of their own)
     */
    public PoolSources(HostPaths paths, Path containerDiskRoot, Path proc, String helperDiskDir, Path hostProc) {
        this.paths = paths;
        this.containerDiskRoot = containerDiskRoot;
        this.proc = proc;
        this.helperDiskDir = helperDiskDir;
        this.hostProc = hostProc;
    }

    public static PoolSources onHost(HostPaths paths) {
        return new PoolSources(paths, Path.of(ContainerDiskSource.MOUNT_ROOT));
    }

    /** Disk images are then read on {@code reads}' thread, off the caller's pass; without, in the caller. */
    public PoolSources readingIn(BackgroundReads reads) {
        this.reads = reads;
        return this;
    }

    /** The disk file and, when it is reached through a helper container's root, that helper. */
    private record Located(Path file, HelperContainer helper) {
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
        Path image = locate(pool, source).file();
        if (!Files.isRegularFile(image)) {
            return Optional.empty();
        }
        Object dev = Files.getAttribute(image, "unix:dev");
        Object ino = Files.getAttribute(image, "unix:ino");
        Object ctime = Files.getAttribute(image, "unix:ctime");
        return Optional.of(image + "|" + dev + "|" + ino + "|" + Files.size(image) + "|"
                + Files.getLastModifiedTime(image).toInstant() + "|" + ctime);
    }

    /**
     * The tree to select from; close it once the pool is built (a disk image's copy is deleted then).
     *
     * @param maxSize the pool's spec.maxSize in bytes: a disk image's read may write a multiple of it
     */
    public SourceTree open(String pool, PoolSource source, List<String> include, long maxSize)
            throws PoolFailure, IOException {
        if (source.getHostPath() != null) {
            String path = source.getHostPath().getPath();
            return new SourceTree(paths.resolve(path), "source.hostPath.path " + path, null);
        }
        DiskImageOptions options = source.getDiskImage() != null ? source.getDiskImage() : source.getContainerDisk();
        DiskImageReader.Hints hints = new DiskImageReader.Hints(options.getPartition(),
                options.getFilesystem() == null ? null : options.getFilesystem().name());
        Located disk = locate(pool, source);
        String field = field(source);
        BackgroundReads.Read read = buildDir -> {
            try (FileChannel image = openOnce(disk, field)) {
                return DiskImageReader.extract(image, field, hints, GlobMatcher.walkRoots(include), buildDir, maxSize);
            }
        };
        if (reads == null) {
            return read.run(paths.buildDir());
        }
        String key = contentKey(pool, source).orElse(disk.file().toString()) + "|" + include + "|" + maxSize + "|"
                + hints + "|" + field;
        return reads.take(pool, key, field, read);
    }

    /**
     * The disk file, opened once, read-only and without following a link: everything read of the image is read
     * through this descriptor, so a file swapped or rewritten meanwhile cannot lead the reader to another file. A
     * helper container's file is checked afterwards to come from the helper found (not from a process that took
     * over its pid).
     */
    private static FileChannel openOnce(Located disk, String field) throws PoolFailure, IOException {
        if (Files.exists(disk.file(), LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(disk.file(), LinkOption.NOFOLLOW_LINKS)) {
            throw new PoolFailure(Reason.DiskImageMissing, field + " is not a regular file (a link, a directory, a "
                    + "device or a FIFO): point the path at the image file itself");
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(disk.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new PoolFailure(Reason.DiskImageMissing, field + " is not a file on this node: put the disk image "
                    + "there (the same on every node of the pool) or fix the path");
        } catch (FileSystemException e) {
            throw new PoolFailure(Reason.DiskImageMissing, field + " cannot be opened as a file (" + e.getReason()
                    + "): point the path at the image file itself, not at a link or a directory");
        }
        if (disk.helper() != null && !disk.helper().stillRunning()) {
            channel.close();
            throw new PoolFailure(Reason.DiskImageMissing, field + ": its helper container (pid "
                    + disk.helper().pid() + ") stopped while the disk was opened; the next pass reads it again");
        }
        return channel;
    }

    private static String field(PoolSource source) {
        return source.getDiskImage() != null ? "source.diskImage.path " + source.getDiskImage().getPath()
                : "source.containerDisk " + source.getContainerDisk().getImage();
    }

    private Located locate(String pool, PoolSource source) throws PoolFailure, IOException {
        if (source.getDiskImage() != null) {
            return new Located(paths.resolve(source.getDiskImage().getPath()), null);
        }
        ContainerDiskSource disk = source.getContainerDisk();
        Path mount = containerDiskRoot.resolve(pool);
        if (Files.isDirectory(mount)) {
            return new Located(inImageVolume(mount, disk), null);
        }
        if (hostProc != null) {
            HelperContainer.requireOwnPidNamespace(proc, hostProc, disk.getImage(), mount.toString());
        }
        HelperContainer helper = HelperContainer.find(proc, pool, disk.getImage(), mount.toString());
        String field = field(source);
        if (disk.getPath() != null) {
            return new Located(helper.file(disk.getPath(), field), helper);
        }
        return new Located(onlyDisk(helper.file(helperDiskDir, field), disk), helper);
    }

    private static Path inImageVolume(Path mount, ContainerDiskSource disk) throws PoolFailure, IOException {
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
        return onlyDisk(mount.resolve(ContainerDiskSource.DISK_DIR.substring(1)), disk);
    }

    /** The one disk file (not a link) directly in {@code dir}. */
    private static Path onlyDisk(Path dir, ContainerDiskSource disk) throws PoolFailure, IOException {
        List<Path> disks = new ArrayList<>();
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
            disks.sort(null);
            throw new PoolFailure(disks.isEmpty() ? Reason.DiskImageMissing : Reason.InvalidSpec, "the containerDisk "
                    + disk.getImage() + " has " + (disks.isEmpty() ? "no" : disks.size()) + " *.qcow2, *.img or *.raw "
                    + "file(s) under " + ContainerDiskSource.DISK_DIR + (disks.isEmpty() ? ": use a KubeVirt containerDisk "
                    + "image, or set source.containerDisk.path" : ": set source.containerDisk.path to one of "
                    + disks.stream().map(d -> ContainerDiskSource.DISK_DIR + "/" + d.getFileName()).toList()));
        }
        return disks.get(0);
    }
}
