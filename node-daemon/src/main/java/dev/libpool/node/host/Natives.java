package dev.libpool.node.host;

import java.io.IOException;
import java.nio.file.Path;

/** The system calls the daemon needs that the JDK does not offer. {@link JnaNatives} is the real one. */
public interface Natives {

    long TMPFS_MAGIC = 0x01021994L;
    long HUGETLBFS_MAGIC = 0x958458f6L;

    /** mount(2) of a pseudo filesystem (tmpfs, hugetlbfs) with nosuid,nodev,noexec and the given data options. */
    void mount(String source, Path target, String fsType, String options) throws IOException;

    /**
     * Remounts the filesystem mounted at {@code target} read-only or read-write (MS_REMOUNT, nosuid,nodev,noexec
     * kept): the whole superblock, so every bind of it (a virt-launcher pod's hostDisk) follows.
     */
    void remount(Path target, boolean readOnly) throws IOException;

    /** umount2(2); {@code lazy} detaches (MNT_DETACH) so the mount goes away once the last user is gone. */
    void umount(Path target, boolean lazy) throws IOException;

    /** statfs(2) f_type of the filesystem holding {@code path}. */
    long filesystemType(Path path) throws IOException;

    /** flock(2) LOCK_EX|LOCK_NB; returns null when another open file description holds the lock. */
    AutoCloseable tryLockExclusive(Path lockFile) throws IOException;

    /** Sets or clears FS_IMMUTABLE_FL (FS_IOC_SETFLAGS). Throws {@link UnsupportedOperationException} if the fs lacks it. */
    void setImmutable(Path file, boolean immutable) throws IOException;

    boolean isImmutable(Path file) throws IOException;

    /**
     * posix_fadvise(POSIX_FADV_DONTNEED) over the whole file: drops its clean page-cache pages that no process
     * maps (mapped pages and the large folios holding them stay). Used after the daemon itself read a PageCache
     * image, so that only guests decide what stays resident.
     */
    void dropCache(Path file) throws IOException;

    /** Bytes of {@code file} resident in memory, from mincore(2) over a shared read-only mapping. */
    long residentBytes(Path file) throws IOException;

    /**
     * Creates {@code target} with size {@code size} and fills its first {@code sourceBytes} bytes from
     * {@code source} through a MAP_SHARED mapping: the only way to put data into a hugetlbfs file, where
     * write(2) fails. The rest stays untouched (zero).
     */
    void copyViaMmap(Path source, long sourceBytes, Path target, long size) throws IOException;
}
