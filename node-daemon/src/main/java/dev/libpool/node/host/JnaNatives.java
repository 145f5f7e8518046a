package dev.libpool.node.host;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@link Natives} through libc with JNA (x86_64 Linux constants). */
public final class JnaNatives implements Natives {

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;
    private static final int O_CLOEXEC = 02000000;
    private static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32;
    private static final int MNT_DETACH = 2;
    private static final int LOCK_EX = 2, LOCK_NB = 4;
    private static final int EWOULDBLOCK = 11, EINVAL = 22, ENOTTY = 25, EOPNOTSUPP = 95;
    private static final long FS_IOC_GETFLAGS = 0x80086601L, FS_IOC_SETFLAGS = 0x40086602L;
    private static final int FS_IMMUTABLE_FL = 0x10;
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1;
    private static final int PAGE = 4096;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final int STRUCT_STATFS_BYTES = 120;

    /** The libc functions used; each throws LastErrorException carrying errno on failure. */
    interface LibC extends Library {
        int mount(String source, String target, String fsType, long flags, String data) throws LastErrorException;
        int umount2(String target, int flags) throws LastErrorException;
        int statfs(String path, Pointer buf) throws LastErrorException;
        int open(String path, int flags, int mode) throws LastErrorException;
        int close(int fd) throws LastErrorException;
        int flock(int fd, int operation) throws LastErrorException;
        int ioctl(int fd, long request, IntByReference arg) throws LastErrorException;
        int ftruncate(int fd, long length) throws LastErrorException;
        Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset) throws LastErrorException;
        int munmap(Pointer addr, long length) throws LastErrorException;
        int mincore(Pointer addr, long length, byte[] vec) throws LastErrorException;
        int posix_fadvise(int fd, long offset, long len, int advice); // returns the error number, errno untouched
    }

    private final LibC libc = Native.load("c", LibC.class);

    @Override
    public void mount(String source, Path target, String fsType, String options) throws IOException {
        call("mount " + fsType + " on " + target, () -> libc.mount(source, target.toString(), fsType,
                MS_NOSUID | MS_NODEV | MS_NOEXEC, options));
    }

    @Override
    public void remount(Path target, boolean readOnly) throws IOException {
        call("remount " + target + (readOnly ? " read-only" : " read-write"), () -> libc.mount(null, target.toString(), null,
                MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_NOEXEC | (readOnly ? MS_RDONLY : 0), null));
    }

    @Override
    public void umount(Path target, boolean lazy) throws IOException {
        call("umount " + target, () -> libc.umount2(target.toString(), lazy ? MNT_DETACH : 0));
    }

    @Override
    public long filesystemType(Path path) throws IOException {
        try (Memory buf = new Memory(STRUCT_STATFS_BYTES)) {
            call("statfs " + path, () -> libc.statfs(path.toString(), buf));
            return buf.getLong(0) & 0xffffffffL;
        }
    }

    @Override
    public AutoCloseable tryLockExclusive(Path lockFile) throws IOException {
        int fd = open(lockFile, O_RDWR | O_CREAT, 0600);
        try {
            libc.flock(fd, LOCK_EX | LOCK_NB);
        } catch (LastErrorException e) {
            libc.close(fd);
            if (e.getErrorCode() == EWOULDBLOCK) {
                return null;
            }
            throw new IOException("flock " + lockFile + ": " + e.getMessage(), e);
        }
        return () -> libc.close(fd); // closing the descriptor releases the flock
    }

    @Override
    public void setImmutable(Path file, boolean immutable) throws IOException {
        int fd = open(file, O_RDONLY, 0);
        try {
            IntByReference flags = new IntByReference();
            ioctl(fd, FS_IOC_GETFLAGS, flags, file);
            int wanted = immutable ? flags.getValue() | FS_IMMUTABLE_FL : flags.getValue() & ~FS_IMMUTABLE_FL;
            if (wanted != flags.getValue()) {
                ioctl(fd, FS_IOC_SETFLAGS, new IntByReference(wanted), file);
            }
        } finally {
            libc.close(fd);
        }
    }

    @Override
    public boolean isImmutable(Path file) throws IOException {
        int fd = open(file, O_RDONLY, 0);
        try {
            IntByReference flags = new IntByReference();
            ioctl(fd, FS_IOC_GETFLAGS, flags, file);
            return (flags.getValue() & FS_IMMUTABLE_FL) != 0;
        } finally {
            libc.close(fd);
        }
    }

    private void ioctl(int fd, long request, IntByReference arg, Path file) throws IOException {
        try {
            libc.ioctl(fd, request, arg);
        } catch (LastErrorException e) {
            int errno = e.getErrorCode();
            if (errno == ENOTTY || errno == EOPNOTSUPP || errno == EINVAL) {
                throw new UnsupportedOperationException("the filesystem of " + file
                        + " does not support file attributes (FS_IOC_GETFLAGS/SETFLAGS): " + e.getMessage());
            }
            throw new IOException("ioctl file flags " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void dropCache(Path file) throws IOException {
        int fd = open(file, O_RDONLY, 0);
        try {
            int error = libc.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
            if (error != 0) {
                throw new IOException("posix_fadvise DONTNEED " + file + ": error " + error);
            }
        } finally {
            libc.close(fd);
        }
    }

    @Override
    public long residentBytes(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            return 0;
        }
        int fd = open(file, O_RDONLY, 0);
        try {
            Pointer map = mmap(size, PROT_READ, fd, file);
            try {
                byte[] vec = new byte[(int) ((size + PAGE - 1) / PAGE)];
                call("mincore " + file, () -> libc.mincore(map, size, vec));
                long pages = 0;
                for (byte b : vec) {
                    pages += b & 1;
                }
                return pages * PAGE;
            } finally {
                libc.munmap(map, size);
            }
        } finally {
            libc.close(fd);
        }
    }

    @Override
    public void copyViaMmap(Path source, long sourceBytes, Path target, long size) throws IOException {
        int fd = open(target, O_RDWR | O_CREAT | O_TRUNC, 0600);
        try {
            call("ftruncate " + target, () -> libc.ftruncate(fd, size));
            Pointer map = mmap(size, PROT_READ | PROT_WRITE, fd, target);
            try (InputStream in = Files.newInputStream(source)) {
                if (sourceBytes > size) {
                    throw new IOException("cannot copy " + sourceBytes + " bytes into a " + size + "-byte mapping");
                }
                byte[] chunk = new byte[1 << 20];
                long offset = 0;
                for (int n; offset < sourceBytes
                        && (n = in.read(chunk, 0, (int) Math.min(chunk.length, sourceBytes - offset))) > 0; offset += n) {
                    map.write(offset, chunk, 0, n);
                }
            } finally {
                libc.munmap(map, size);
            }
        } finally {
            libc.close(fd);
        }
    }

    private Pointer mmap(long size, int prot, int fd, Path file) throws IOException {
        try {
            return libc.mmap(null, size, prot, MAP_SHARED, fd, 0);
        } catch (LastErrorException e) {
            throw new IOException("mmap " + file + ": " + e.getMessage(), e);
        }
    }

    private int open(Path file, int flags, int mode) throws IOException {
        try {
            return libc.open(file.toString(), flags | O_CLOEXEC, mode);
        } catch (LastErrorException e) {
            throw new IOException("open " + file + ": " + e.getMessage(), e);
        }
    }

    private interface Syscall {
        int run() throws LastErrorException;
    }

    private static void call(String what, Syscall syscall) throws IOException {
        try {
            syscall.run();
        } catch (LastErrorException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
    }
}
