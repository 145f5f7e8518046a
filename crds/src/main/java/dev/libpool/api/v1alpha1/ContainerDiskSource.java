package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

import java.util.List;

/**
 * A KubeVirt containerDisk (an OCI image with the disk under /disk/): the kubelet brings it to each node of the
 * pool, either as an image volume of the node daemon (the daemon reads the disk file from {@link #mountDir(String)})
 * or as a helper container of the daemon's pod that runs {@link #helperCommand(String, String)} (the daemon finds
 * it by {@link #helperMarker(String)} and reads the disk through its root, {@code /proc/<pid>/root}).
 */
public class ContainerDiskSource extends DiskImageOptions {

    /** Where the node daemon's container sees the containerDisk of each pool: {@code <root>/<pool>}. */
    public static final String MOUNT_ROOT = "/var/run/libpool/container-disks";
    /** Where KubeVirt containerDisks keep their disk file. */
    public static final String DISK_DIR = "/disk";
    /** The argument that names the pool of a helper container; the node daemon matches it whole, never as a prefix. */
    public static final String HELPER_MARKER_PREFIX = "libpool.dev/container-disk=";
    // int max: busybox sleep's largest argument (68 years); the loop ends (and the container restarts) if sleep fails
    private static final String HELPER_SCRIPT = "while %s sleep 2147483647; do :; done";

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

    /** The exact argv element by which the node daemon tells the helper container of {@code pool}. */
    public static String helperMarker(String pool) {
        return HELPER_MARKER_PREFIX + pool;
    }

    /**
     * The command of a pool's helper container: a containerDisk has no shell or binary of its own, so the static
     * busybox at {@code sleeper} (copied into the pod by an init container) sleeps in it, with the pool's marker as
     * its shell's {@code $0}: the shell stays the container's main process and its argv ends with the marker.
     */
    public static List<String> helperCommand(String sleeper, String pool) {
        return List.of(sleeper, "sh", "-c", String.format(HELPER_SCRIPT, sleeper), helperMarker(pool));
    }

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
}
