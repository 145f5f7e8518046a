package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The guest-visible disk of a qcow2 image, decoded here from the one open image file (no qemu-img, no converted
 * copy: nothing is written, nothing else is opened). Before any read every L2 table and every data cluster the
 * L1 table maps is checked to lie inside the file, so a truncated image is refused instead of reading as zeros.
 */
final class Qcow2Disk implements ByteSource {

    private static final long OFFSET_MASK = 0x00fffffffffffe00L;
    private static final long L1_RESERVED = 0x7f000000000001ffL;
    private static final long L2_RESERVED = 0x3f000000000001feL;
    private static final long COMPRESSED = 1L << 62;
    private static final long ZERO = 1;
    private static final int CACHED_TABLES = 64;

    private final ByteSource file;
    private final Qcow2Header header;
    private final long clusterSize;
    private final int l2Bits;
    private final long[] l1;
    private final Map<Long, long[]> l2Cache = new LinkedHashMap<>(CACHED_TABLES, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
            return size() > CACHED_TABLES;
        }
    };
    private long inflatedAt = -1;
    private byte[] inflated;

    private Qcow2Disk(ByteSource file, Qcow2Header header, long[] l1) {
        this.file = file;
        this.header = header;
        this.clusterSize = 1L << header.clusterBits();
        this.l2Bits = header.clusterBits() - 3;
        this.l1 = l1;
    }

    /** Opens and checks the whole mapping; throws on a truncated or damaged table. */
    static Qcow2Disk open(ByteSource file, Qcow2Header header) throws IOException, DiskFormatException {
        ByteBuffer table = file.read(header.l1Offset(), header.l1Entries() * 8).order(ByteOrder.BIG_ENDIAN);
        long[] l1 = new long[header.l1Entries()];
        for (int i = 0; i < l1.length; i++) {
            l1[i] = table.getLong(i * 8);
        }
        Qcow2Disk disk = new Qcow2Disk(file, header, l1);
        disk.checkMapping();
        return disk;
    }

    private void checkMapping() throws IOException, DiskFormatException {
        long fileSize = file.size();
        for (int i = 0; i < l1.length; i++) {
            if ((l1[i] & L1_RESERVED) != 0) {
                throw corrupt(String.format("L1 entry %d (0x%016x) has reserved bits set", i, l1[i]));
            }
            long l2 = l1[i] & OFFSET_MASK;
            if (l2 == 0) {
                continue;
            }
            if ((l2 & (clusterSize - 1)) != 0) {
                throw corrupt("L1 entry " + i + " points at byte " + l2 + ", not a cluster boundary");
            }
            if (l2 > fileSize - clusterSize) {
                throw truncated("L2 table " + i + " lies at byte " + l2, fileSize);
            }
            long[] entries = l2Table(l2);
            for (int j = 0; j < entries.length; j++) {
                long e = entries[j];
                if ((e & COMPRESSED) != 0) {
                    long start = compressedOffset(e);
                    if (start >= fileSize) {
                        throw truncated("a compressed cluster lies at byte " + start, fileSize);
                    }
                    continue;
                }
                if ((e & L2_RESERVED) != 0) {
                    throw corrupt(String.format("L2 entry %d of table %d (0x%016x) has reserved bits set", j, i, e));
                }
                long data = e & OFFSET_MASK;
                if (data != 0 && (data & (clusterSize - 1)) != 0) {
                    throw corrupt("L2 entry " + j + " of table " + i + " points at byte " + data + ", not a cluster boundary");
                }
                if (data != 0 && data > fileSize - clusterSize) {
                    throw truncated("a data cluster lies at byte " + data, fileSize);
                }
            }
        }
    }

    @Override
    public long size() {
        return header.size();
    }

    @Override
    public ByteBuffer read(long offset, int length) throws IOException {
        int n = (int) Math.max(0, Math.min(length, header.size() - Math.min(offset, header.size())));
        ByteBuffer out = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (out.hasRemaining()) {
            long at = offset + out.position();
            int inCluster = (int) (at & (clusterSize - 1));
            int chunk = (int) Math.min(out.remaining(), clusterSize - inCluster);
            readCluster(at - inCluster, inCluster, out.slice(out.position(), chunk));
            out.position(out.position() + chunk);
        }
        return out.flip();
    }

    private void readCluster(long cluster, int from, ByteBuffer into) throws IOException {
        long l2 = l1[(int) (cluster >>> (header.clusterBits() + l2Bits))] & OFFSET_MASK;
        long e = l2 == 0 ? 0 : l2Table(l2)[(int) ((cluster >>> header.clusterBits()) & ((1L << l2Bits) - 1))];
        if ((e & COMPRESSED) != 0) {
            byte[] data = inflate(e);
            into.put(data, from, into.remaining());
            return;
        }
        long data = e & OFFSET_MASK;
        if (data == 0 || (e & ZERO) != 0) {
            return; // unallocated or zero: zeros (there is no backing file: the header check refused one)
        }
        ByteBuffer bytes = file.read(data + from, into.remaining());
        if (bytes.remaining() < into.remaining()) {
            throw truncated("a data cluster lies at byte " + data, file.size()).asIo();
        }
        into.put(bytes);
    }

    private long[] l2Table(long offset) throws IOException {
        long[] cached = l2Cache.get(offset);
        if (cached != null) {
            return cached;
        }
        ByteBuffer raw = file.read(offset, (int) clusterSize).order(ByteOrder.BIG_ENDIAN);
        long[] table = new long[(int) (clusterSize / 8)];
        for (int i = 0; i < table.length && raw.remaining() >= 8; i++) {
            table[i] = raw.getLong();
        }
        l2Cache.put(offset, table);
        return table;
    }

    private long compressedOffset(long entry) {
        int x = 62 - (header.clusterBits() - 8);
        return entry & ((1L << x) - 1);
    }

    /** A compressed cluster (raw deflate, as qemu writes it), decoded once while reads stay in it. */
    private byte[] inflate(long entry) throws IOException {
        if (entry == inflatedAt) {
            return inflated;
        }
        int x = 62 - (header.clusterBits() - 8);
        long offset = compressedOffset(entry);
        long sectors = ((entry >>> x) & ((1L << (header.clusterBits() - 8)) - 1)) + 1;
        int length = (int) Math.min(sectors * 512 - (offset & 511), 2 * clusterSize);
        ByteBuffer in = file.read(offset, length);
        byte[] out = new byte[(int) clusterSize];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(in);
            int done = 0;
            while (done < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, done, out.length - done);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                done += got;
            }
            if (done < out.length) {
                throw (in.limit() < length ? truncated("a compressed cluster lies at byte " + offset, file.size())
                        : corrupt("the compressed cluster at byte " + offset + " decodes to " + done + " of "
                        + out.length + " bytes")).asIo();
            }
        } catch (DataFormatException e) {
            throw corrupt("the compressed cluster at byte " + offset + " does not decode: " + e.getMessage()).asIo();
        } finally {
            inflater.end();
        }
        inflatedAt = entry;
        inflated = out;
        return out;
    }

    private static DiskFormatException corrupt(String what) {
        return new DiskFormatException(Reason.DiskImageCorrupt, "is a damaged qcow2 image (" + what + "): check it "
                + "on a copy with qemu-img check, or copy it again");
    }

    private static DiskFormatException truncated(String what, long fileSize) {
        return new DiskFormatException(Reason.DiskImageTruncated, "is a truncated qcow2 image (" + what + " but the "
                + "file holds only " + fileSize + " bytes): copy it again");
    }
}
