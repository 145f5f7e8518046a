package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A qcow2 or raw disk image file on each node: the guests' own boot disk. */
public class DiskImageSource extends DiskImageOptions {
    @Required
    @Pattern("^/.*")
    @Size(max = 4096)
    @JsonPropertyDescription("Absolute path on the node of a qcow2 or raw disk image, e.g. /var/lib/images/debian-12.qcow2. "
            + "Read in user space and never written; the pool holds the libraries of its root file system.")
    private String path;

    public DiskImageSource() {
    }

    public DiskImageSource(String path) {
        this.path = path;
    }

    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
}
