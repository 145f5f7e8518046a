package dev.libpool.node.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A file by device and inode, as /proc/PID/maps names it. Pool files are matched this way and not by path:
 * QEMU sees them through a bind mount in the virt-launcher pod, under another path.
 */
public record FileKey(long major, long minor, long inode) {

    public static FileKey of(Path file) throws IOException {
        long dev = (Long) Files.getAttribute(file, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        long ino = (Long) Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        // glibc's gnu_dev_major/gnu_dev_minor encoding of dev_t
        long major = ((dev >>> 8) & 0xfffL) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xffL) | ((dev >>> 12) & ~0xffL);
        return new FileKey(major, minor, ino);
    }

    /** Parses the "dev inode" columns of a maps line: "00:2f" (hex major:minor) and a decimal inode. */
    static FileKey parse(String dev, String inode) {
        int colon = dev.indexOf(':');
        return new FileKey(Long.parseLong(dev, 0, colon, 16), Long.parseLong(dev, colon + 1, dev.length(), 16),
                Long.parseLong(inode));
    }
}
