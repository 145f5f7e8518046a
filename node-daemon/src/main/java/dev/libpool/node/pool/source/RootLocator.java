package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Finds the guest's root file system on a raw disk: the partition the hint names, else the GPT partition
 * typed Linux root (x86-64), else the largest partition holding a Linux file system; a disk without a
 * partition table is one file system.
 */
public final class RootLocator {

    /** Where the root file system lies; {@code where} says it for messages ("partition 1 of the GPT"). */
    public record Located(long offset, long sizeBytes, Filesystem filesystem, String where) {
    }

    private static final List<Filesystem> LINUX = List.of(Filesystem.EXT4, Filesystem.XFS, Filesystem.BTRFS);

    private RootLocator() {
    }

    /**
     * @param partitionHint spec partition (1-based) or null
     * @param fsHint        spec filesystem ("ext4", "xfs", "btrfs") or null
     */
    public static Located locate(ByteSource disk, Integer partitionHint, String fsHint) throws IOException, DiskFormatException {
        Optional<PartitionTable> table = PartitionTable.read(disk);
        Located located = table.isPresent() ? inTable(disk, table.get(), partitionHint) : whole(disk, partitionHint);
        if (fsHint != null && !fsHint.equals(located.filesystem().apiName())) {
            throw new DiskFormatException(Reason.InvalidSpec, "filesystem is set to " + fsHint + " but " + located.where()
                    + " holds " + located.filesystem().apiName() + ": fix or remove the filesystem field (or the partition)");
        }
        return located;
    }

    private static Located whole(ByteSource disk, Integer partitionHint) throws IOException, DiskFormatException {
        Optional<Filesystem.Found> fs = Filesystem.probe(disk, 0);
        if (fs.isPresent() && !LINUX.contains(fs.get().type()) && fs.get().type() != Filesystem.VFAT) {
            throw new DiskFormatException(Reason.UnsupportedFilesystem, "the image is " + fs.get().type().apiName()
                    + " without a partition table, which libpool does not read (no LVM, no decryption): use "
                    + "source.hostPath with an unpacked copy of the guest root");
        }
        if (fs.isEmpty()) {
            throw new DiskFormatException(Reason.UnknownPartitionTable, "the image has neither a GPT nor an MBR "
                    + "partition table, nor a known file system at its start: use a disk image with a GPT or MBR "
                    + "partition table or a bare ext4 file system");
        }
        if (partitionHint != null) {
            throw new DiskFormatException(Reason.InvalidSpec, "partition " + partitionHint + " is set but the image has "
                    + "no partition table (it is one " + fs.get().type().apiName() + " file system): remove the partition field");
        }
        return checked(disk, 0, disk.size(), fs.get(), "the whole image (no partition table)");
    }

    private static Located inTable(ByteSource disk, PartitionTable table, Integer hint) throws IOException, DiskFormatException {
        for (PartitionTable.Partition p : table.partitions()) {
            if (p.offset() + p.sizeBytes() > disk.size()) {
                throw new DiskFormatException(Reason.DiskImageTruncated, "partition " + p.number() + " of the "
                        + table.kind() + " ends at byte " + (p.offset() + p.sizeBytes()) + " but the image holds only "
                        + disk.size() + " bytes: the image is truncated; copy it again");
            }
        }
        if (hint != null) {
            PartitionTable.Partition p = table.partitions().stream().filter(x -> x.number() == hint).findFirst()
                    .orElseThrow(() -> new DiskFormatException(Reason.InvalidSpec, "partition " + hint + " does not exist"
                            + " in the image's " + table.kind() + " (it has " + numbers(table) + "): fix the partition field"));
            String where = where(p, table);
            Filesystem.Found fs = Filesystem.probe(disk, p.offset()).orElseThrow(() -> new DiskFormatException(
                    Reason.UnsupportedFilesystem, where + " holds no file system libpool recognises (ext4, xfs, btrfs): "
                    + "point the partition field at the guest's root file system"));
            return checked(disk, p.offset(), p.sizeBytes(), fs, where);
        }
        List<PartitionTable.Partition> candidates = new ArrayList<>(table.partitions().stream()
                .filter(p -> p.type().equals(PartitionTable.GPT_LINUX_ROOT_X86_64)).toList());
        if (candidates.isEmpty()) {
            candidates.addAll(table.partitions());
        }
        candidates.sort(Comparator.comparingLong(PartitionTable.Partition::sizeBytes).reversed());
        List<String> seen = new ArrayList<>();
        for (PartitionTable.Partition p : candidates) {
            Optional<Filesystem.Found> fs = Filesystem.probe(disk, p.offset());
            if (fs.isPresent() && LINUX.contains(fs.get().type())) {
                return checked(disk, p.offset(), p.sizeBytes(), fs.get(), where(p, table));
            }
            boolean lvm = p.type().equals(PartitionTable.GPT_LVM) || p.type().equals(PartitionTable.MBR_LVM);
            seen.add(p.number() + " (" + fs.map(f -> f.type().apiName()).orElse(lvm ? "an LVM physical volume" : "unknown") + ")");
        }
        throw new DiskFormatException(Reason.UnsupportedFilesystem, "no partition of the image's " + table.kind()
                + " holds a Linux file system (ext4, xfs, btrfs); partitions: " + (seen.isEmpty() ? "none" : String.join(", ", seen))
                + (table.extended() ? "; the MBR has an extended partition, whose logical partitions libpool does not "
                + "read (a root there needs source.hostPath with an unpacked copy)" : "")
                + (seen.stream().anyMatch(s -> s.contains("LVM")) ? "; libpool does not read LVM logical volumes: use "
                + "source.hostPath with an unpacked copy of the guest root" : "")
                + ": use the guests' root disk image, or set the partition field");
    }

    private static Located checked(ByteSource disk, long offset, long size, Filesystem.Found fs, String where)
            throws IOException, DiskFormatException {
        if (fs.sizeBytes() > size || offset + fs.sizeBytes() > disk.size()) {
            throw new DiskFormatException(Reason.DiskImageTruncated, "the " + fs.type().apiName() + " file system of "
                    + where + " spans " + fs.sizeBytes() + " bytes but only " + Math.min(size, disk.size() - offset)
                    + " are in the image: the image is truncated; copy it again");
        }
        return new Located(offset, size, fs.type(), where);
    }

    private static String where(PartitionTable.Partition p, PartitionTable table) {
        return "partition " + p.number() + " of the " + table.kind();
    }

    private static String numbers(PartitionTable table) {
        return table.partitions().isEmpty() ? "no partitions" : "partitions " + table.partitions().stream()
                .map(p -> Integer.toString(p.number())).collect(Collectors.joining(", "));
    }
}
