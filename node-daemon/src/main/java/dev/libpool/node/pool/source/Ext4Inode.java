package dev.libpool.node.pool.source;

import java.nio.ByteBuffer;

/**
 * One ext2/3/4 inode as far as extraction needs it.
 *
 * @param number the inode number
 * @param mode   type and permission bits (i_mode)
 * @param size   bytes of content
 * @param flags  i_flags
 * @param blocks the 60-byte i_block area: extent tree root, block pointers or a fast symlink's target
 */
record Ext4Inode(long number, int mode, long size, int flags, ByteBuffer blocks) {

    static final int EXTENTS_FL = 0x80000;
    static final int INLINE_DATA_FL = 0x10000000;
    static final int ENCRYPT_FL = 0x800;

    boolean isDirectory() {
        return (mode & 0xf000) == 0x4000;
    }

    boolean isRegular() {
        return (mode & 0xf000) == 0x8000;
    }

    boolean isSymlink() {
        return (mode & 0xf000) == 0xa000;
    }

    boolean usesExtents() {
        return (flags & EXTENTS_FL) != 0;
    }

    /** A symlink whose target lies in i_block itself (what mke2fs and the kernel write for targets under 60 bytes). */
    boolean fastSymlink() {
        return isSymlink() && size < 60 && !usesExtents() && (flags & INLINE_DATA_FL) == 0;
    }

    /** Why the content cannot be read here, or null. */
    String unreadable() {
        if ((flags & ENCRYPT_FL) != 0) {
            return "encrypted (fscrypt)";
        }
        if ((flags & INLINE_DATA_FL) != 0) {
            return "inline data";
        }
        return null;
    }
}
