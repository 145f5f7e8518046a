package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

public class HostPathSource {
    @Required
    @Pattern("^/.*")
    @Size(max = 4096)
    @ValidationRule(value = "self != '/..' && !self.contains('/../') && !self.endsWith('/..')",
            message = "source.hostPath.path must not have a .. segment: write the resolved absolute path, "
                    + "e.g. /var/lib/libpool-sources/debian-12")
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
