package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A KubeVirt containerDisk (an OCI image with the disk under /disk/): the kubelet brings it to each node of the
 * pool as an image volume of the node daemon; the daemon reads the disk file from {@link #mountDir(String)}.
 */
public class ContainerDiskSource extends DiskImageOptions {

    /** Where the node daemon's container sees the containerDisk of each pool: {@code <root>/<pool>}. */
    public static final String MOUNT_ROOT = "/var/run/libpool/container-disks";
    /** Where KubeVirt containerDisks keep their disk file. */
    public static final String DISK_DIR = "/disk";

    @Required
    @Size(min = 1, max = 1024)
    @Pattern("^[^\\s]+$")
    @JsonPropertyDescription("The containerDisk image, as in a VM's containerDisk.image, e.g. "
            + "quay.io/containerdisks/debian:12. Pulled by the kubelet (its pull secrets, mirrors and cache), never by libpool.")
    private String image;

    // absolute, no "." or ".." segment (the file is looked up inside the image, never outside it)
    @Pattern(PathPatterns.ABSOLUTE_NO_DOT_SEGMENTS)
    @Size(max = 4096)
    @JsonPropertyDescription("The disk file inside the image, e.g. /disk/debian-12.qcow2. Default: the only *.qcow2, "
            + "*.img or *.raw file under /disk.")
    private String path;

    public ContainerDiskSource() {
    }

    public ContainerDiskSource(String image) {
        this.image = image;
    }

    /** The directory, as the node daemon's container sees it, where the kubelet mounts the image of a pool. */
    public static String mountDir(String pool) {
        return MOUNT_ROOT + "/" + pool;
    }

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
}
