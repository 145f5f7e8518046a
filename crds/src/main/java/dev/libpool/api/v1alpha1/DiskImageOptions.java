package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** What both disk-image sources share: hints that pick the root file system inside the image. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class DiskImageOptions {

    /** The file systems the field accepts; which of them a node can read is the node daemon's to say. */
    public enum Filesystem { ext4, xfs, btrfs }

    @Min(1)
    @Max(128)
    @JsonPropertyDescription("Number of the partition that holds the guest root (1 = first, as in /dev/vda1). Default: "
            + "the GPT partition typed Linux root (x86-64), else the largest partition with a Linux file system; an "
            + "image without a partition table is one file system.")
    private Integer partition;

    @JsonPropertyDescription("File system of that partition: ext4 (also ext2/ext3), xfs or btrfs. Default: detected. "
            + "When set, a different file system fails the pool instead of being read.")
    private Filesystem filesystem;

    public Integer getPartition() { return partition; }
    public void setPartition(Integer partition) { this.partition = partition; }
    public Filesystem getFilesystem() { return filesystem; }
    public void setFilesystem(Filesystem filesystem) { this.filesystem = filesystem; }
}
