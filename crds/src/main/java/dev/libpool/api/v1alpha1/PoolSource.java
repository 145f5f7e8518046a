package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.hostPath) != has(self.image)",
        message = "set exactly one of source.hostPath or source.image")
@ValidationRule(value = "!has(self.image)",
        message = "source.image is reserved for a later version; use source.hostPath")
public class PoolSource {
    @JsonPropertyDescription("A directory on each selected node that holds the guest libraries (e.g. an unpacked guest root).")
    private HostPathSource hostPath;

    @JsonPropertyDescription("Reserved: an OCI image whose paths hold the guest libraries. Not implemented yet.")
    private ImageSource image;

    public HostPathSource getHostPath() { return hostPath; }
    public void setHostPath(HostPathSource hostPath) { this.hostPath = hostPath; }
    public ImageSource getImage() { return image; }
    public void setImage(ImageSource image) { this.image = image; }
}
