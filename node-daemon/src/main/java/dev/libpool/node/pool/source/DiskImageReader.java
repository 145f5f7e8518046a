package dev.libpool.node.pool.source;

import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Copies the include directories of a disk image's root file system into a scratch tree, in the daemon's own
 * Java code: qcow2 ({@link Qcow2Disk}), partition table ({@link PartitionTable}), superblock and ext4 tree
 * ({@link Ext4Volume}, {@link Ext4Tree}). No tool parses the untrusted image, so no process could be talked into
 * opening another file: the image is read only through the one descriptor the caller opened, whatever its bytes
 * say or become meanwhile, and the only files written are those this reader creates under the scratch directory.
 */
public final class DiskImageReader {

    /** The largest disk (virtual size) read: a bound on what an untrusted file may claim. */
    public static final long MAX_IMAGE_BYTES = 64L << 30;
    private static final Logger LOG = Logger.getLogger(DiskImageReader.class.getName());

    /** Where to find the root file system: the spec's hints. */
    public record Hints(Integer partition, String filesystem) {
    }

    private DiskImageReader() {
    }

    /**
     * @param image    the image, opened once for reading by the caller: nothing else of it is ever opened
     * @param field    the spec field that named the image, for messages ("source.diskImage.path /x.qcow2")
     * @param prefixes directories (relative to the image's root, "" for all of it) to copy: include's literal prefixes
     * @param maxSize  the pool's spec.maxSize in bytes: the scratch budget is a multiple of it
     */
    public static SourceTree extract(FileChannel image, String field, Hints hints, List<String> prefixes, Path buildDir,
                                     long maxSize) throws PoolFailure, IOException {
        Path scratch;
        try {
            Files.createDirectories(buildDir);
            // under the staging prefix: what an interrupted read leaves is removed at the next pass's start
            scratch = Files.createTempDirectory(buildDir, ErofsImageBuilder.STAGING_PREFIX + "disk-");
        } catch (IOException e) {
            throw nodeFailure(field, buildDir, e);
        }
        SourceTree tree = new SourceTree(scratch.resolve("root"), field, scratch);
        try {
            long start = System.nanoTime();
            ReadBudget budget = ReadBudget.forPool(field, maxSize);
            ByteSource disk = disk(ByteSource.of(image), field);
            RootLocator.Located root = RootLocator.locate(disk, hints.partition(), hints.filesystem());
            if (root.filesystem() != Filesystem.EXT4) {
                throw new PoolFailure(Reason.UnsupportedFilesystem, field + ": " + root.where() + " holds "
                        + root.filesystem().apiName() + "; libpool reads ext2/ext3/ext4 root file systems of disk images"
                        + " (xfs and btrfs cannot yet be read without mounting them): use source.hostPath with an "
                        + "unpacked copy of the guest root, or an image with an ext4 root");
            }
            Files.createDirectory(tree.root());
            Ext4Tree ext4 = new Ext4Tree(Ext4Volume.open(disk, root.offset()), budget);
            ext4.copyOut(prefixes.stream().map(p -> "/" + p).toList(), tree.root());
            List<String> skipped = ext4.skipped();
            int fetched = new LinkClosure(tree.root(), ext4).complete(skipped);
            LOG.info(() -> String.format("read %s (%s, %s) in %.1f s: %d entries, %d bytes; %d link target(s) taken "
                    + "from outside the include directories; %d entr(ies) skipped%s", field, root.where(),
                    root.filesystem().apiName(), (System.nanoTime() - start) / 1e9, budget.entries(), budget.bytes(),
                    fetched, skipped.size(), skipped.isEmpty() ? "" : ", e.g. " + skipped.subList(0, Math.min(5, skipped.size()))));
            return new SourceTree(tree.root(), field, scratch, List.copyOf(skipped));
        } catch (DiskFormatException e) {
            tree.close();
            throw failure(field, e);
        } catch (IOException e) {
            tree.close();
            DiskFormatException format = DiskFormatException.carried(e);
            if (format != null) {
                throw failure(field, format);
            }
            throw nodeFailure(field, buildDir, e);
        } catch (PoolFailure e) {
            tree.close();
            throw e;
        } catch (RuntimeException e) {
            tree.close(); // a parser bug on a crafted image is the image's failure, never the host's
            throw new PoolFailure(Reason.DiskImageCorrupt, field + " could not be parsed (" + e + "): check it on a "
                    + "copy (qemu-img check, e2fsck -n), or copy it again", e);
        }
    }

    private static ByteSource disk(ByteSource file, String field) throws IOException, DiskFormatException, PoolFailure {
        if (ImageFormat.detect(file) == ImageFormat.RAW) {
            checkSize(field, file.size());
            return file;
        }
        Qcow2Header header = Qcow2Header.read(file);
        checkSize(field, header.size());
        return Qcow2Disk.open(file, header);
    }

    static void checkSize(String field, long bytes) throws PoolFailure {
        if (bytes > MAX_IMAGE_BYTES) {
            throw new PoolFailure(Reason.DiskImageTooLarge, field + " is a " + bytes + "-byte disk, more than the "
                    + MAX_IMAGE_BYTES + " bytes libpool reads: point the pool at the guests' root disk image (cloud "
                    + "images are 2-10 GiB), or use source.hostPath with an unpacked copy");
        }
    }

    private static PoolFailure failure(String field, DiskFormatException e) {
        return new PoolFailure(e.reason(), field + (e.getMessage().startsWith("is ") || e.getMessage().startsWith("has ")
                || e.getMessage().startsWith("keeps ") || e.getMessage().startsWith("uses ") ? " " : ": ")
                + e.getMessage(), e);
    }

    /**
     * An I/O error of the node, not of the image: retried every pass, and a failure of this pool like any other (its
     * empty medium unmounted, the last good generation serving), never an exception escaping the pass.
     */
    private static PoolFailure nodeFailure(String field, Path buildDir, IOException e) {
        if (full(e)) {
            return new PoolFailure(Reason.MediumFull, field + ": the scratch directory " + buildDir + " is full ("
                    + e.getMessage() + "): free space on the node's disk (the read needs up to "
                    + ReadBudget.BYTES_PER_MAX_SIZE + " x spec.maxSize there); retried every pass", e);
        }
        return new PoolFailure(Reason.HostError, field + ": reading the image failed on this node (" + e
                + "); retried every pass", e);
    }

    private static boolean full(IOException e) {
        String m = String.valueOf(e.getMessage());
        return m.contains("No space left on device") || m.contains("Disk quota exceeded");
    }
}
