package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One pool on one node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodePoolState {
    @JsonPropertyDescription("The SharedLibraryPool name.")
    private String name;
    @JsonPropertyDescription("The pool's metadata.generation the node last acted on.")
    private Long observedGeneration;
    private State state;
    @JsonPropertyDescription("CamelCase reason of the state, e.g. SelectionTooLarge.")
    private String reason;
    @JsonPropertyDescription("What happened and how to fix it.")
    private String message;
    @JsonPropertyDescription("The image that serves now (the last good one when the newest build failed).")
    private ImageInfo image;
    @JsonPropertyDescription("Stable host path of the pool file that VMs attach.")
    private String path;
    @JsonPropertyDescription("Bytes of the pool resident in host memory.")
    private Long residentBytes;
    @JsonPropertyDescription("Processes (QEMUs) that map a generation of the pool.")
    private Integer mappers;
    @JsonPropertyDescription("Sum of the mappers' Rss of the pool minus its resident size.")
    private Long savedBytes;
    @JsonPropertyDescription("Older generations still mapped by a running VM.")
    private Integer retainedGenerations;
    @JsonPropertyDescription("What guests on this node touched of the serving generation (learned from the QEMUs' page tables).")
    private UsedContent used;

    public String getName() { return name; }
    public void setName(String name) { this.name = name; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public State getState() { return state; }
    public void setState(State state) { this.state = state; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public ImageInfo getImage() { return image; }
    public void setImage(ImageInfo image) { this.image = image; }
    public String getPath() { return path; }
    public void setPath(String path) { this.path = path; }
    public Long getResidentBytes() { return residentBytes; }
    public void setResidentBytes(Long residentBytes) { this.residentBytes = residentBytes; }
    public Integer getMappers() { return mappers; }
    public void setMappers(Integer mappers) { this.mappers = mappers; }
    public Long getSavedBytes() { return savedBytes; }
    public void setSavedBytes(Long savedBytes) { this.savedBytes = savedBytes; }
    public Integer getRetainedGenerations() { return retainedGenerations; }
    public void setRetainedGenerations(Integer retainedGenerations) { this.retainedGenerations = retainedGenerations; }
    public UsedContent getUsed() { return used; }
    public void setUsed(UsedContent used) { this.used = used; }

    public enum State { Building, Ready, Failed }
}
