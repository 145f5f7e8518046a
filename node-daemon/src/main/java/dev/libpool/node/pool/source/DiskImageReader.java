package dev.libpool.node.pool.source;

import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Copies the include directories of a disk image's root file system into a scratch tree, in user space:
 * qemu-img turns qcow2 into a sparse raw file, the partition table and superblock are read here, debugfs copies
 * the files out. The image is only ever opened for reading; the tools run in the {@link Sandbox}.
 */
public final class DiskImageReader {

    /** The largest disk (virtual size) read: a bound on scratch space and time for an untrusted file. */
    public static final long MAX_IMAGE_BYTES = 64L << 30;
    private static final Logger LOG = Logger.getLogger(DiskImageReader.class.getName());

    /** Where to find the root file system: the spec's hints. */
    public record Hints(Integer partition, String filesystem) {
    }

    private DiskImageReader() {
    }

    /**
     * @param field    the spec field that named the image, for messages ("source.diskImage.path /x.qcow2")
     * @param prefixes directories (relative to the image's root, "" for all of it) to copy: include's literal prefixes
     */
    public static SourceTree extract(Path image, String field, Hints hints, List<String> prefixes, Path buildDir)
            throws PoolFailure, IOException {
        if (!Files.isRegularFile(image)) {
            throw new PoolFailure(Reason.DiskImageMissing, field + " is not a file on this node: put the disk image "
                    + "there (the same on every node of the pool) or fix the path");
        }
        Sandbox sandbox = Sandbox.forThisProcess();
        Files.createDirectories(buildDir);
        // under the staging prefix: what an interrupted read leaves is removed at the next pass's start
        Path scratch = Files.createTempDirectory(buildDir, ErofsImageBuilder.STAGING_PREFIX + "disk-");
        SourceTree tree = new SourceTree(scratch.resolve("root"), field, scratch);
        try {
            sandbox.giveAway(scratch);
            long start = System.nanoTime();
            Path raw = raw(image, field, sandbox, scratch);
            RootLocator.Located root = locate(raw, field, hints);
            if (root.filesystem() != Filesystem.EXT4) {
                throw new PoolFailure(Reason.UnsupportedFilesystem, field + ": " + root.where() + " holds "
                        + root.filesystem().apiName() + "; libpool reads ext2/ext3/ext4 root file systems of disk images"
                        + " (xfs and btrfs cannot yet be read without mounting them): use source.hostPath with an "
                        + "unpacked copy of the guest root, or an image with an ext4 root");
            }
            sandbox.createDirectories(scratch, tree.root());
            Debugfs debugfs = new Debugfs(sandbox, raw, root.offset(), scratch);
            debugfs.copyOut(prefixes.stream().map(p -> "/" + p).toList(), tree.root());
            int fetched = new LinkClosure(tree.root(), debugfs, sandbox).complete();
            Files.delete(raw); // the link, or the converted copy of a qcow2: its space is free again
            LOG.info(() -> String.format("read %s (%s, %s) in %.1f s; %d link target(s) taken from outside the "
                    + "include directories", field, root.where(), root.filesystem().apiName(),
                    (System.nanoTime() - start) / 1e9, fetched));
            return tree;
        } catch (PoolFailure | IOException | RuntimeException e) {
            tree.close();
            throw e;
        }
    }

    private static Path raw(Path image, String field, Sandbox sandbox, Path scratch) throws PoolFailure, IOException {
        ImageFormat format = ByteSource.withFile(image, ImageFormat::detect);
        if (format == ImageFormat.OTHER) {
            throw new PoolFailure(Reason.UnsupportedImageFormat, field + " is neither qcow2 nor raw: convert it "
                    + "(qemu-img convert -O qcow2 IMAGE out.qcow2)");
        }
        if (format == ImageFormat.RAW) {
            checkSize(field, Files.size(image));
            // debugfs reads "name?options": a link of a fixed name keeps a '?' in the image's path from becoming one
            return Files.createSymbolicLink(scratch.resolve("disk.img"), image.toAbsolutePath());
        }
        QemuImg qemuImg = new QemuImg(sandbox);
        checkSize(field, qemuImg.virtualSize(image, scratch));
        Path raw = scratch.resolve("disk.raw");
        qemuImg.toRaw(image, raw, scratch);
        return raw;
    }

    static void checkSize(String field, long bytes) throws PoolFailure {
        if (bytes > MAX_IMAGE_BYTES) {
            throw new PoolFailure(Reason.DiskImageTooLarge, field + " is a " + bytes + "-byte disk, more than the "
                    + MAX_IMAGE_BYTES + " bytes libpool reads: point the pool at the guests' root disk image (cloud "
                    + "images are 2-10 GiB), or use source.hostPath with an unpacked copy");
        }
    }

    private static RootLocator.Located locate(Path raw, String field, Hints hints) throws PoolFailure, IOException {
        try {
            return ByteSource.withFile(raw, d -> {
                try {
                    return RootLocator.locate(d, hints.partition(), hints.filesystem());
                } catch (DiskFormatException e) {
                    throw new WrappedFormat(e);
                }
            });
        } catch (WrappedFormat w) {
            DiskFormatException e = (DiskFormatException) w.getCause();
            throw new PoolFailure(e.reason(), field + ": " + e.getMessage(), e);
        }
    }

    /** Carries a checked layout error through ByteSource's IO-only callback. */
    private static final class WrappedFormat extends IOException {
        WrappedFormat(DiskFormatException cause) {
            super(cause);
        }
    }
}
