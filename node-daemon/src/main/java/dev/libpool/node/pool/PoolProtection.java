package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.node.host.Natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * What keeps a published pool unwritable by QEMU (uid 107) although KubeVirt hands QEMU's user the hostDisk.
 *
 * <p>For a non-root VMI (KubeVirt's default) virt-handler chowns, at every VMI start, the hostDisk FILE to qemu
 * 107:107 unless it already is theirs, and the hostDisk's DIRECTORY (the pool's mount) when the file is missing
 * (pkg/virt-handler/non-root.go changeOwnershipOfHostDisks, not recursive). So:
 * <ul>
 * <li>each generation (pool.img is a hard link to one) is 107:107, mode 0444, and FS_IMMUTABLE_FL where the medium
 * has it: virt-handler's chown is then a no-op (of a root-owned immutable file it fails with EPERM and the VMI never
 * starts), and the owner can neither chmod, write, truncate, rename nor unlink an immutable file;</li>
 * <li>a mounted medium (tmpfs, hugetlbfs) is remounted read-only between the daemon's own changes: the whole
 * superblock, so every pod's bind of it is read-only too (a read-only bind would not do: its flag is per mount, and
 * remounts do not propagate to the host's and the pods' copies of the daemon's mount). On hugetlbfs, which has no immutable flag, this is what
 * stops the owner's chmod + shared writable mapping; on tmpfs it is a second wall; and a chown of the directory
 * fails (EROFS) instead of handing QEMU the right to rename over or unlink entries;</li>
 * <li>every pass re-asserts root:root 0755 on the directory, the owner and mode of every generation, the flag and the
 * read-only mount, and logs what it found changed (PageCache's plain directory can be chowned by virt-handler).</li>
 * </ul>
 */
final class PoolProtection {

    static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("r--r--r--");
    static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Logger LOG = Logger.getLogger(PoolProtection.class.getName());

    /** A change to the pool directory. */
    interface Change<T, E extends Exception> {
        T run() throws IOException, E;
    }

    private final Path dir;
    private final Natives natives;
    private int depth;
    private boolean warnedNoFlag;

    PoolProtection(Path dir, Natives natives) {
        this.dir = dir;
        this.natives = natives;
    }

    /** Runs a change of the directory; the pool's own mount is read-write for exactly that long. */
    <T, E extends Exception> T writable(Change<T, E> change) throws IOException, E {
        boolean mount = depth == 0 && isMountPoint(dir);
        if (mount && Files.getFileStore(dir).isReadOnly()) {
            natives.remount(dir, false);
        }
        depth++;
        try {
            return change.run();
        } finally {
            depth--;
            if (mount) {
                natives.remount(dir, true);
            }
        }
    }

    /** Gives a new file (not yet visible under a name VMs use) the owner and mode of a published one. */
    static void own(Path file) throws IOException {
        Files.setPosixFilePermissions(file, FILE_MODE);
        Files.setAttribute(file, "unix:gid", VmContract.QEMU_GID, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(file, "unix:uid", VmContract.QEMU_UID, LinkOption.NOFOLLOW_LINKS);
    }

    /** Sets the immutable flag where the medium has it; true when the file carries it. */
    boolean protect(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            if (!natives.isImmutable(file)) {
                writable(() -> {
                    natives.setImmutable(file, true);
                    return null;
                });
            }
            return true;
        } catch (UnsupportedOperationException e) {
            LOG.fine(e::getMessage);
            return false;
        }
    }

    void unprotect(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            natives.setImmutable(file, false);
        } catch (UnsupportedOperationException e) {
            LOG.fine(e::getMessage);
        }
    }

    /**
     * Re-asserts the directory's, each file's and the mount's protection; returns (and logs) what it found changed,
     * empty when nothing was.
     */
    List<String> enforce(List<Path> files, Predicate<Path> daemons) throws IOException {
        List<String> found = new ArrayList<>();
        int dirUid = (int) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int dirGid = (int) Files.getAttribute(dir, "unix:gid", LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> dirMode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (dirUid != 0 || dirGid != 0 || !dirMode.equals(DIR_MODE)) {
            found.add(dir + " was " + dirUid + ":" + dirGid + " " + PosixFilePermissions.toString(dirMode)
                    + " (virt-handler chowns a hostDisk's directory to qemu 107:107 when its file is missing at a VMI "
                    + "start); restored to root 0755");
            writable(() -> {
                Files.setAttribute(dir, "unix:gid", 0, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(dir, "unix:uid", 0, LinkOption.NOFOLLOW_LINKS);
                Files.setPosixFilePermissions(dir, DIR_MODE);
                return null;
            });
            // while QEMU's user owned the directory it could add entries: none of them is kept
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path entry : entries.filter(e -> !daemons.test(e)).toList()) {
                    found.add("removed " + entry + ", which the daemon did not create");
                    writable(() -> {
                        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                            FileTrees.delete(entry);
                        }
                        return Files.deleteIfExists(entry);
                    });
                }
            }
        }
        for (Path file : files) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            int uid = (int) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int gid = (int) Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (uid != VmContract.QEMU_UID || gid != VmContract.QEMU_GID || !mode.equals(FILE_MODE)) {
                found.add(file + " was " + uid + ":" + gid + " " + PosixFilePermissions.toString(mode) + "; restored to "
                        + VmContract.QEMU_UID + ":" + VmContract.QEMU_GID + " r--r--r--");
                writable(() -> {
                    unprotect(file);
                    own(file);
                    return null;
                });
            }
            if (!protect(file) && !isMountPoint(dir) && !warnedNoFlag) {
                warnedNoFlag = true;
                LOG.warning(() -> file + ": the node's filesystem has no immutable flag and a PageCache pool is not a "
                        + "mount the daemon can make read-only: QEMU's user owns the file (KubeVirt chowns it) and could "
                        + "chmod it; use medium tmpfs, or a state directory on ext4/xfs");
            }
        }
        if (isMountPoint(dir) && !Files.getFileStore(dir).isReadOnly()) {
            natives.remount(dir, true);
        }
        found.forEach(f -> LOG.warning(() -> "pool protection: " + f));
        return found;
    }

    /** Whether {@code dir} is a mount of its own (the pool's tmpfs or hugetlbfs), not a directory of its parent's. */
    static boolean isMountPoint(Path dir) throws IOException {
        return Files.isDirectory(dir)
                && !Files.getAttribute(dir, "unix:dev").equals(Files.getAttribute(dir.getParent(), "unix:dev"));
    }
}
