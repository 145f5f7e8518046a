package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

public class HostPathSource {
    @Required
    @Pattern("^/.*")
    @Size(max = 4096)
    @JsonPropertyDescription("Absolute path of the source root on the node. Symlinks are resolved but never leave it.")
    private String path;

    public HostPathSource() {
    }

    public HostPathSource(String path) {
        this.path = path;
    }

    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
}
