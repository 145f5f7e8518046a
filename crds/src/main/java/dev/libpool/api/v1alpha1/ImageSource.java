package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

import java.util.ArrayList;
import java.util.List;

/** Reserved for a later version: the schema accepts the shape, a validation rule rejects its use. */
public class ImageSource {
    @Required
    @JsonPropertyDescription("OCI image reference, e.g. registry.example/guest-libs@sha256:...")
    private String reference;

    @JsonPropertyDescription("Paths inside the image to take libraries from.")
    private List<String> paths = new ArrayList<>();

    public String getReference() { return reference; }
    public void setReference(String reference) { this.reference = reference; }
    public List<String> getPaths() { return paths; }
    public void setPaths(List<String> paths) { this.paths = paths; }
}
