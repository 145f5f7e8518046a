package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * An ext2/3/4 file system read in Java from the disk it lies on: superblock, group descriptors, inodes and their
 * block maps (extent trees or ext2/3 block pointers). Untrusted input: every number is checked against the file
 * system's own bounds, every walk is bounded; nothing is ever written. What this reader cannot decode (meta_bg,
 * inline data, encryption, features unknown here) is named, never guessed.
 */
final class Ext4Volume {

    static final long ROOT = 2;
    private static final int INCOMPAT_FILETYPE = 0x2;
    private static final int INCOMPAT_META_BG = 0x10;
    private static final int INCOMPAT_64BIT = 0x80;
    /** compression, journal device, dirdata: not readable here; anything unknown likewise. */
    private static final int INCOMPAT_KNOWN = 0x2 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x2000
            | 0x4000 | 0x8000 | 0x10000 | 0x20000;
    private static final int EXTENT_MAGIC = 0xf30a;
    private static final int MAX_DEPTH = 5;

    /** A run of {@code length} blocks of a file from logical block {@code logical}; physical 0 is a hole. */
    record Run(long logical, long physical, long length) {
    }

    private final ByteSource disk;
    private final long offset;
    final int blockSize;
    private final long blocksCount;
    private final long inodesCount;
    private final int inodesPerGroup;
    private final int inodeSize;
    private final int descSize;
    private final long descBlock;
    private final boolean fileType;

    private Ext4Volume(ByteSource disk, long offset, ByteBuffer sb) throws DiskFormatException {
        this.disk = disk;
        this.offset = offset;
        int incompat = sb.getInt(0x60);
        if ((incompat & ~INCOMPAT_KNOWN) != 0 || (incompat & INCOMPAT_META_BG) != 0) {
            throw new DiskFormatException(Reason.UnsupportedFilesystem, String.format("the ext4 file system uses "
                    + "features (incompat 0x%x) that libpool does not read: use source.hostPath with an unpacked copy "
                    + "of the guest root", incompat & (~INCOMPAT_KNOWN | INCOMPAT_META_BG)));
        }
        boolean is64 = (incompat & INCOMPAT_64BIT) != 0;
        int logBlock = sb.getInt(24);
        long inodesPerGroupRaw = Integer.toUnsignedLong(sb.getInt(40));
        long blocksPerGroup = Integer.toUnsignedLong(sb.getInt(32));
        int rev = sb.getInt(76);
        int inodeSizeRaw = rev == 0 ? 128 : sb.getShort(88) & 0xffff;
        int descSizeRaw = is64 ? sb.getShort(0xfe) & 0xffff : 32;
        if (logBlock < 0 || logBlock > 6 || inodesPerGroupRaw == 0 || inodesPerGroupRaw > 1 << 24 || blocksPerGroup == 0
                || inodeSizeRaw < 128 || inodeSizeRaw > (1024 << logBlock) || Integer.bitCount(inodeSizeRaw) != 1
                || (is64 && (descSizeRaw < 64 || descSizeRaw > 1024 || Integer.bitCount(descSizeRaw) != 1))) {
            throw corrupt("the superblock is damaged (block size 2^" + (10 + logBlock) + ", " + blocksPerGroup
                    + " blocks and " + inodesPerGroupRaw + " inodes per group, inodes of " + inodeSizeRaw + " bytes)");
        }
        this.blockSize = 1024 << logBlock;
        long blocks = Integer.toUnsignedLong(sb.getInt(4));
        if (is64) {
            blocks |= Integer.toUnsignedLong(sb.getInt(0x150)) << 32;
        }
        this.blocksCount = blocks;
        this.inodesCount = Integer.toUnsignedLong(sb.getInt(0));
        this.inodesPerGroup = (int) inodesPerGroupRaw;
        this.inodeSize = inodeSizeRaw;
        this.descSize = descSizeRaw;
        this.descBlock = Integer.toUnsignedLong(sb.getInt(20)) + 1;
        this.fileType = (incompat & INCOMPAT_FILETYPE) != 0;
    }

    /** The file system whose superblock lies 1024 bytes after {@code offset}. */
    static Ext4Volume open(ByteSource disk, long offset) throws IOException, DiskFormatException {
        ByteBuffer sb = disk.read(offset + 1024, 1024);
        if (sb.limit() < 1024 || (sb.getShort(56) & 0xffff) != 0xef53) {
            throw corrupt("no ext superblock at byte " + (offset + 1024));
        }
        return new Ext4Volume(disk, offset, sb);
    }

    /** Whether directory entries carry the file type (otherwise name_len is 16 bits). */
    boolean fileType() {
        return fileType;
    }

    Ext4Inode inode(long number) throws IOException, DiskFormatException {
        if (number < 1 || number > inodesCount) {
            throw corrupt("inode " + number + " is outside the file system's " + inodesCount + " inodes");
        }
        long group = (number - 1) / inodesPerGroup;
        int index = (int) ((number - 1) % inodesPerGroup);
        ByteBuffer desc = read(descBlock * blockSize + group * descSize, descSize);
        long table = Integer.toUnsignedLong(desc.getInt(8));
        if (descSize >= 64) {
            table |= Integer.toUnsignedLong(desc.getInt(0x28)) << 32;
        }
        checkBlock(table, "the inode table of group " + group);
        ByteBuffer raw = read(table * blockSize + (long) index * inodeSize, 128);
        long size = Integer.toUnsignedLong(raw.getInt(4)) | Integer.toUnsignedLong(raw.getInt(0x6c)) << 32;
        ByteBuffer blocks = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
        blocks.put(raw.slice(0x28, 60)).flip();
        return new Ext4Inode(number, raw.getShort(0) & 0xffff, size, raw.getInt(0x20), blocks);
    }

    /** The block runs covering the first {@code blocks} logical blocks of the inode, in order. */
    List<Run> runs(Ext4Inode inode, long blocks) throws IOException, DiskFormatException {
        List<Run> runs = new ArrayList<>();
        if (inode.usesExtents()) {
            // a sound tree has no more nodes than blocks it maps, in logical order without overlap
            extents(inode.blocks(), MAX_DEPTH + 1, blocks, runs, inode.number(), new long[] {Math.max(16, blocks), 0});
        } else {
            for (int i = 0; i < 15 && blocks > 0; i++) {
                long ptr = Integer.toUnsignedLong(inode.blocks().getInt(i * 4));
                int depth = i < 12 ? 0 : i - 11;
                long logical = i < 12 ? i : first(depth);
                indirect(ptr, depth, logical, blocks, runs);
            }
        }
        return runs;
    }

    private long first(int depth) {
        long per = blockSize / 4;
        long at = 12;
        for (int d = 1; d < depth; d++) {
            at += (long) Math.pow(per, d);
        }
        return at;
    }

    private void indirect(long ptr, int depth, long logical, long limit, List<Run> runs) throws IOException, DiskFormatException {
        if (ptr == 0 || logical >= limit) {
            return;
        }
        checkBlock(ptr, "a block pointer");
        if (depth == 0) {
            Run last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
            if (last != null && last.logical() + last.length() == logical && last.physical() + last.length() == ptr) {
                runs.set(runs.size() - 1, new Run(last.logical(), last.physical(), last.length() + 1));
            } else {
                runs.add(new Run(logical, ptr, 1));
            }
            return;
        }
        long per = blockSize / 4;
        long span = (long) Math.pow(per, depth - 1);
        ByteBuffer table = read(ptr * blockSize, blockSize);
        for (int i = 0; i < per; i++) {
            indirect(Integer.toUnsignedLong(table.getInt(i * 4)), depth - 1, logical + i * span, limit, runs);
        }
    }

    /** @param walk {nodes still allowed, the next logical block an extent may start at} */
    private void extents(ByteBuffer node, int parentDepth, long limit, List<Run> runs, long inode, long[] walk)
            throws IOException, DiskFormatException {
        int magic = node.getShort(0) & 0xffff;
        int entries = node.getShort(2) & 0xffff;
        int depth = node.getShort(6) & 0xffff;
        if (magic != EXTENT_MAGIC || depth >= parentDepth || 12 + entries * 12 > node.limit()) {
            throw corrupt("the extent tree of inode " + inode + " is damaged");
        }
        for (int i = 0; i < entries; i++) {
            int at = 12 + i * 12;
            long logical = Integer.toUnsignedLong(node.getInt(at));
            if (logical >= limit) {
                return;
            }
            if (logical < walk[1]) {
                throw corrupt("the extent tree of inode " + inode + " is out of order or overlaps at block " + logical);
            }
            if (depth > 0) {
                long child = Integer.toUnsignedLong(node.getInt(at + 4)) | (long) (node.getShort(at + 8) & 0xffff) << 32;
                checkBlock(child, "an extent index of inode " + inode);
                if (--walk[0] < 0) {
                    throw corrupt("the extent tree of inode " + inode + " has more nodes than blocks");
                }
                extents(read(child * blockSize, blockSize), depth, limit, runs, inode, walk);
                continue;
            }
            int len = node.getShort(at + 4) & 0xffff;
            boolean unwritten = len > 32768;
            long length = unwritten ? len - 32768 : len;
            long start = (long) (node.getShort(at + 6) & 0xffff) << 32 | Integer.toUnsignedLong(node.getInt(at + 8));
            checkBlock(start, "an extent of inode " + inode);
            checkBlock(start + length - 1, "an extent of inode " + inode);
            walk[1] = logical + Math.max(1, length);
            if (!unwritten) { // unwritten extents read as zeros: a hole here
                runs.add(new Run(logical, start, length));
            }
        }
    }

    /** Reads {@code length} bytes at {@code physical} block's byte {@code from}; short only past the disk's end. */
    ByteBuffer readBlocks(long physical, long from, int length) throws IOException, DiskFormatException {
        return read(physical * blockSize + from, length);
    }

    private ByteBuffer read(long at, int length) throws IOException, DiskFormatException {
        ByteBuffer b = disk.read(offset + at, length);
        if (b.limit() < length) {
            throw new DiskFormatException(Reason.DiskImageTruncated, "the ext4 file system reaches past the end of "
                    + "the image (byte " + (offset + at) + "): the image is truncated; copy it again");
        }
        return b;
    }

    private void checkBlock(long block, String what) throws DiskFormatException {
        if (block < 0 || block >= blocksCount) {
            throw corrupt(what + " names block " + block + " of a file system of " + blocksCount + " blocks");
        }
    }

    static DiskFormatException corrupt(String what) {
        return new DiskFormatException(Reason.DiskImageCorrupt, "the ext4 file system is damaged: " + what
                + "; check it with e2fsck -n on a copy, or copy the image again");
    }
}
