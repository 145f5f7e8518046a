package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure.Reason;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RootLocatorTest {

    private static final String ROOT = PartitionTable.GPT_LINUX_ROOT_X86_64;
    private static final String LINUX_DATA = "0fc63daf-8483-4772-8e79-3d69d8477de4";
    private static final String ESP = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";

    @Test
    void gptPrefersThePartitionTypedLinuxRootOverALargerLinuxOne() throws Exception {
        DiskBytes d = new DiskBytes(4096).gpt(new Object[] {ESP, 40, 99}, new Object[] {LINUX_DATA, 100, 2999},
                new Object[] {ROOT, 3000, 3999});
        d.magic(40 * 512 + 0x52, "FAT32").ext4(100 * 512, 1000).ext4(3000 * 512, 500);

        PartitionTable table = PartitionTable.read(d.source()).orElseThrow();
        assertThat(table.kind()).isEqualTo("GPT");
        assertThat(table.partitions()).extracting(PartitionTable.Partition::number).containsExactly(1, 2, 3);
        assertThat(table.partitions().get(0).type()).isEqualTo(ESP);

        RootLocator.Located root = RootLocator.locate(d.source(), null, null);
        assertThat(root.offset()).isEqualTo(3000 * 512L);
        assertThat(root.filesystem()).isEqualTo(Filesystem.EXT4);
        assertThat(root.where()).isEqualTo("partition 3 of the GPT");
    }

    @Test
    void withoutARootTypeTheLargestLinuxFileSystemWinsAndTheHintOverrides() throws Exception {
        DiskBytes d = new DiskBytes(4096).gpt(new Object[] {ESP, 40, 2999}, new Object[] {LINUX_DATA, 3000, 3999});
        d.magic(40 * 512 + 0x52, "FAT32").ext4(3000 * 512, 500);

        assertThat(RootLocator.locate(d.source(), null, null).where()).as("the larger vfat one is not Linux")
                .isEqualTo("partition 2 of the GPT");
        assertThat(RootLocator.locate(d.source(), 1, null).filesystem()).as("the hint is obeyed; the reader refuses vfat")
                .isEqualTo(Filesystem.VFAT);
        DiskBytes empty = new DiskBytes(4096).gpt(new Object[] {ESP, 40, 2999}, new Object[] {LINUX_DATA, 3000, 3999});
        assertThatThrownBy(() -> RootLocator.locate(empty.source(), 1, null))
                .hasFieldOrPropertyWithValue("reason", Reason.UnsupportedFilesystem)
                .hasMessageContaining("partition 1 of the GPT holds no file system libpool recognises");
        assertThatThrownBy(() -> RootLocator.locate(empty.source(), null, null))
                .hasFieldOrPropertyWithValue("reason", Reason.UnsupportedFilesystem)
                .hasMessageContaining("partitions: 1 (unknown), 2 (unknown)");
    }

    @Test
    void mbrPrimaryPartitionsAreNumberedAsTheKernelDoes() throws Exception {
        DiskBytes d = new DiskBytes(4096).mbr(0, 0xef, 40, 60).mbr(2, 0x83, 100, 3000).ext4(100 * 512, 1500);

        PartitionTable table = PartitionTable.read(d.source()).orElseThrow();
        assertThat(table.kind()).isEqualTo("MBR");
        assertThat(table.partitions()).extracting(PartitionTable.Partition::number).containsExactly(1, 3);
        assertThat(RootLocator.locate(d.source(), null, "ext4").where()).isEqualTo("partition 3 of the MBR");
        assertThatThrownBy(() -> RootLocator.locate(d.source(), 2, null))
                .hasFieldOrPropertyWithValue("reason", Reason.InvalidSpec)
                .hasMessageContaining("partition 2 does not exist in the image's MBR (it has partitions 1, 3)");
    }

    @Test
    void aBareFileSystemIsTheWholeDiskAndTakesNoPartitionHint() throws Exception {
        DiskBytes d = new DiskBytes(4096).ext4(0, 2048);

        assertThat(PartitionTable.read(d.source())).isEmpty();
        assertThat(RootLocator.locate(d.source(), null, null).where()).isEqualTo("the whole image (no partition table)");
        assertThatThrownBy(() -> RootLocator.locate(d.source(), 1, null)).hasMessageContaining("remove the partition field");
        assertThatThrownBy(() -> RootLocator.locate(d.source(), null, "btrfs"))
                .hasMessageContaining("filesystem is set to btrfs but the whole image (no partition table) holds ext4");
    }

    @Test
    void xfsAndBtrfsAreRecognisedByTheirMagic() throws Exception {
        assertThat(Filesystem.probe(new DiskBytes(256).magic(0, "XFSB").source(), 0)).get()
                .extracting(Filesystem.Found::type).isEqualTo(Filesystem.XFS);
        assertThat(Filesystem.probe(new DiskBytes(256).magic(0x10040, "_BHRfS_M").source(), 0)).get()
                .extracting(Filesystem.Found::type).isEqualTo(Filesystem.BTRFS);
        assertThat(Filesystem.probe(new DiskBytes(256).source(), 0)).isEmpty();
    }

    @Test
    void noTableAndNoFileSystemIsAnUnknownPartitionTable() {
        assertThatThrownBy(() -> RootLocator.locate(new DiskBytes(256).source(), null, null))
                .hasFieldOrPropertyWithValue("reason", Reason.UnknownPartitionTable);
    }

    @Test
    void aPartitionOrFileSystemPastTheEndIsATruncatedImage() {
        DiskBytes partition = new DiskBytes(4096).gpt(new Object[] {ROOT, 100, 9999});
        assertThatThrownBy(() -> RootLocator.locate(partition.source(), null, null))
                .hasFieldOrPropertyWithValue("reason", Reason.DiskImageTruncated)
                .hasMessageContaining("partition 1 of the GPT ends at byte 5120000 but the image holds only 2097152 bytes");

        DiskBytes filesystem = new DiskBytes(4096).ext4(0, 4000); // 4000 KiB claimed, 2 MiB present
        assertThatThrownBy(() -> RootLocator.locate(filesystem.source(), null, null))
                .hasFieldOrPropertyWithValue("reason", Reason.DiskImageTruncated)
                .hasMessageContaining("spans 4096000 bytes but only 2097152 are in the image");
    }

    @Test
    void gptChecksumsAndBoundsCatchACorruptTable() {
        DiskBytes header = new DiskBytes(4096).gpt(new Object[] {ROOT, 100, 999});
        header.disk.putLong(512 + 72, 3); // entries moved without re-sealing the header
        assertThatThrownBy(() -> PartitionTable.read(header.source()))
                .hasFieldOrPropertyWithValue("reason", Reason.DiskImageCorrupt).hasMessageContaining("GPT header checksum");

        DiskBytes entries = new DiskBytes(4096).gpt(new Object[] {ROOT, 100, 999});
        entries.disk.putLong(1024 + 40, 2000); // an entry changed after the checksum
        assertThatThrownBy(() -> PartitionTable.read(entries.source()))
                .hasFieldOrPropertyWithValue("reason", Reason.DiskImageCorrupt).hasMessageContaining("entries checksum");

        DiskBytes count = new DiskBytes(4096).gpt(new Object[] {ROOT, 100, 999});
        count.disk.putInt(512 + 80, 1_000_000);
        count.sealGptHeader();
        assertThatThrownBy(() -> PartitionTable.read(count.source()))
                .hasFieldOrPropertyWithValue("reason", Reason.DiskImageCorrupt).hasMessageContaining("1000000 entries");

        DiskBytes protective = new DiskBytes(4096).mbr(0, 0xee, 1, 4095);
        assertThatThrownBy(() -> PartitionTable.read(protective.source()))
                .hasMessageContaining("protective MBR but no GPT header");
    }

    @Test
    void formatsAreToldByMagicNotByProbing() throws Exception {
        assertThat(ImageFormat.detect(new DiskBytes(8).magic(0, "QFI\u00fb").source())).isEqualTo(ImageFormat.QCOW2);
        assertThatThrownBy(() -> ImageFormat.detect(new DiskBytes(8).magic(0, "KDMV").source()))
                .hasFieldOrPropertyWithValue("reason", Reason.UnsupportedImageFormat).hasMessageContaining("VMDK");
        assertThat(ImageFormat.detect(new DiskBytes(8).ext4(0, 1).source())).isEqualTo(ImageFormat.RAW);
    }
}
