package dev.libpool.node.learn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Where each regular file's data lies in an EROFS image, read from the image's own metadata (superblock,
 * inodes, directories; uncompressed flat and chunk-based files): the map from image pages back to files that
 * learning needs. Read-only, a few metadata blocks per directory and inode.
 */
public final class ErofsLayout {

    private static final int SUPERBLOCK_OFFSET = 1024;
    private static final int MAGIC = 0xE0F5E1E2;
    private static final int LAYOUT_FLAT_PLAIN = 0, LAYOUT_FLAT_INLINE = 2, LAYOUT_CHUNK_BASED = 4;
    private static final int CHUNK_FORMAT_INDEXES = 0x20, CHUNK_BITS_MASK = 0x1f;
    private static final long NULL_ADDR = 0xffffffffL;
    private static final int S_IFMT = 0170000, S_IFDIR = 0040000, S_IFREG = 0100000;
    private static final int MAX_DEPTH = 64;

    /** A run of a file's data: {@code blocks} image blocks from {@code imageBlock}, holding file block {@code fileBlock} on. */
    public record Extent(long imageBlock, long fileBlock, long blocks) {
    }

    /** A regular file: its absolute path inside the image ("/usr/lib/..."), size and data extents. */
    public record FileExtents(String path, long size, List<Extent> extents) {
    }

    private final int blockBits;
    private final List<FileExtents> files;
    private final long[] starts;
    private final int[] owners;
    private final long[] fileBlocks;

    private ErofsLayout(int blockBits, List<FileExtents> files) {
        this.blockBits = blockBits;
        this.files = files;
        List<long[]> runs = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            for (Extent e : files.get(i).extents()) {
                runs.add(new long[]{e.imageBlock(), e.imageBlock() + e.blocks(), i, e.fileBlock()});
            }
        }
        runs.sort(Comparator.comparingLong(r -> r[0]));
        starts = new long[runs.size() * 2];
        owners = new int[runs.size()];
        fileBlocks = new long[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            starts[2 * i] = runs.get(i)[0];
            starts[2 * i + 1] = runs.get(i)[1];
            owners[i] = (int) runs.get(i)[2];
            fileBlocks[i] = runs.get(i)[3];
        }
    }

    public static ErofsLayout read(Path image) throws IOException {
        try (FileChannel ch = FileChannel.open(image)) {
            return new Reader(ch).read();
        }
    }

    public int blockSize() {
        return 1 << blockBits;
    }

    public List<FileExtents> files() {
        return files;
    }

    /** The index in {@link #files()} of the file whose data holds image block {@code block}, or -1 (metadata, free). */
    public int ownerOfBlock(long block) {
        int run = run(block);
        return run < 0 ? -1 : owners[run];
    }

    /**
     * Every file block that image block {@code block} holds, as {file index, file block} pairs: more than one
     * when a chunk-based image stores identical chunks once.
     */
    public List<long[]> filesAtBlock(long block) {
        int run = run(block);
        if (run < 0) {
            return List.of();
        }
        int first = run;
        while (first > 0 && starts[2 * (first - 1) + 1] > block) {
            first--; // runs are sorted by start; shared chunks make equal, overlapping runs
        }
        List<long[]> out = new ArrayList<>();
        for (int r = first; r < owners.length && starts[2 * r] <= block; r++) {
            if (block < starts[2 * r + 1]) {
                out.add(new long[]{owners[r], fileBlocks[r] + block - starts[2 * r]});
            }
        }
        return out;
    }

    private int run(long block) {
        int lo = 0, hi = owners.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (block < starts[2 * mid]) {
                hi = mid - 1;
            } else if (block >= starts[2 * mid + 1]) {
                lo = mid + 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    private static final class Reader {
        private final FileChannel ch;
        private int blockBits;
        private long metaBase;
        private final List<FileExtents> files = new ArrayList<>();

        Reader(FileChannel ch) {
            this.ch = ch;
        }

        ErofsLayout read() throws IOException {
            ByteBuffer sb = bytes(SUPERBLOCK_OFFSET, 128);
            if (sb.getInt(0) != MAGIC) {
                throw new IOException("not an EROFS image (no magic at offset 1024)");
            }
            blockBits = sb.get(12);
            metaBase = (sb.getInt(40) & 0xffffffffL) << blockBits;
            walk(sb.getShort(14) & 0xffff, "", 0);
            return new ErofsLayout(blockBits, List.copyOf(files));
        }

        private record Inode(int layout, int mode, long size, int rawBlkaddr, long inlineOffset) {
        }

        private Inode inode(long nid) throws IOException {
            long pos = metaBase + nid * 32;
            ByteBuffer b = bytes(pos, 64);
            int format = b.getShort(0) & 0xffff;
            boolean extended = (format & 1) != 0;
            int xattrCount = b.getShort(2) & 0xffff;
            int mode = b.getShort(4) & 0xffff;
            long size = extended ? b.getLong(8) : b.getInt(8) & 0xffffffffL;
            int xattrBytes = xattrCount == 0 ? 0 : 12 + (xattrCount - 1) * 4;
            return new Inode((format >> 1) & 0x7, mode, size, b.getInt(16), pos + (extended ? 64 : 32) + xattrBytes);
        }

        private void walk(long nid, String path, int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw new IOException("EROFS directory tree deeper than " + MAX_DEPTH + " at " + path);
            }
            Inode dir = inode(nid);
            byte[] data = content(dir);
            int block = 1 << blockBits;
            for (int off = 0; off < data.length; off += block) {
                ByteBuffer b = ByteBuffer.wrap(data, off, Math.min(block, data.length - off)).slice().order(ByteOrder.LITTLE_ENDIAN);
                int count = (b.getShort(8) & 0xffff) / 12;
                for (int i = 0; i < count; i++) {
                    long child = b.getLong(i * 12);
                    int nameStart = b.getShort(i * 12 + 8) & 0xffff;
                    int nameEnd = i + 1 < count ? b.getShort((i + 1) * 12 + 8) & 0xffff : b.limit();
                    String name = name(b, nameStart, nameEnd);
                    if (name.equals(".") || name.equals("..")) {
                        continue;
                    }
                    Inode in = inode(child);
                    String childPath = path + "/" + name;
                    if ((in.mode() & S_IFMT) == S_IFDIR) {
                        walk(child, childPath, depth + 1);
                    } else if ((in.mode() & S_IFMT) == S_IFREG) {
                        files.add(new FileExtents(childPath, in.size(), extents(in)));
                    }
                }
            }
        }

        private static String name(ByteBuffer b, int start, int end) {
            int len = 0;
            while (start + len < end && b.get(start + len) != 0) {
                len++; // the last name of a block runs to a NUL or the block's end
            }
            byte[] n = new byte[len];
            b.get(start, n);
            return new String(n, StandardCharsets.UTF_8);
        }

        private List<Extent> extents(Inode in) throws IOException {
            long blocks = (in.size() + (1L << blockBits) - 1) >> blockBits;
            if (in.size() == 0) {
                return List.of();
            }
            return switch (in.layout()) {
                case LAYOUT_FLAT_PLAIN -> List.of(new Extent(in.rawBlkaddr() & 0xffffffffL, 0, blocks));
                case LAYOUT_FLAT_INLINE -> blocks > 1 ? List.of(new Extent(in.rawBlkaddr() & 0xffffffffL, 0, blocks - 1)) : List.of();
                case LAYOUT_CHUNK_BASED -> chunks(in, blocks);
                default -> throw new IOException("EROFS data layout " + in.layout() + " (compressed) is not supported");
            };
        }

        private List<Extent> chunks(Inode in, long blocks) throws IOException {
            int format = in.rawBlkaddr() & 0xffff;
            int chunkBlocksBits = format & CHUNK_BITS_MASK;
            long chunkBlocks = 1L << chunkBlocksBits;
            long count = (blocks + chunkBlocks - 1) >> chunkBlocksBits;
            boolean indexes = (format & CHUNK_FORMAT_INDEXES) != 0;
            long base = indexes ? (in.inlineOffset() + 7) & ~7L : in.inlineOffset();
            int entry = indexes ? 8 : 4;
            ByteBuffer table = bytes(base, (int) (count * entry));
            List<Extent> out = new ArrayList<>();
            for (long c = 0; c < count; c++) {
                long addr = (indexes ? table.getInt((int) (c * entry) + 4) : table.getInt((int) (c * entry))) & 0xffffffffL;
                long n = Math.min(chunkBlocks, blocks - (c << chunkBlocksBits));
                if (addr != NULL_ADDR) {
                    out.add(new Extent(addr, c << chunkBlocksBits, n));
                }
            }
            return out;
        }

        /** A directory's bytes: whole blocks at raw_blkaddr, plus for FLAT_INLINE the tail after the inode. */
        private byte[] content(Inode in) throws IOException {
            if (in.size() > (64L << 20)) {
                throw new IOException("EROFS directory of " + in.size() + " bytes");
            }
            int size = (int) in.size();
            int block = 1 << blockBits;
            return switch (in.layout()) {
                case LAYOUT_FLAT_PLAIN -> bytes((in.rawBlkaddr() & 0xffffffffL) << blockBits, size).array();
                case LAYOUT_FLAT_INLINE -> {
                    int tail = size % block == 0 ? block : size % block;
                    int full = size - tail;
                    ByteBuffer all = ByteBuffer.allocate(size);
                    if (full > 0) {
                        all.put(bytes((in.rawBlkaddr() & 0xffffffffL) << blockBits, full));
                    }
                    all.put(bytes(in.inlineOffset(), tail));
                    yield all.array();
                }
                default -> throw new IOException("EROFS directory with data layout " + in.layout());
            };
        }

        private ByteBuffer bytes(long offset, int length) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (ch.read(b, offset + b.position()) < 0) {
                    throw new IOException("EROFS image ends at " + (offset + b.position()) + ", metadata runs past it");
                }
            }
            return b.flip();
        }
    }
}
