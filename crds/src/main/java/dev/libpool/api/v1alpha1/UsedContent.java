package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * What guests on one node touched of the serving generation since it was published there, learned from the
 * page tables of the QEMUs that map it (accumulated over time, kept across daemon restarts).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UsedContent {
    @JsonPropertyDescription("Libraries of which at least one page was touched.")
    private Integer files;
    @JsonPropertyDescription("Total size of those libraries: what a pool narrowed to them would hold.")
    private Long fileBytes;
    @JsonPropertyDescription("Distinct image pages touched (library data and file system metadata).")
    private Long pages;
    @JsonPropertyDescription("pages x page size: the least memory the pool can cost on this node.")
    private Long bytes;

    public Integer getFiles() { return files; }
    public void setFiles(Integer files) { this.files = files; }
    public Long getFileBytes() { return fileBytes; }
    public void setFileBytes(Long fileBytes) { this.fileBytes = fileBytes; }
    public Long getPages() { return pages; }
    public void setPages(Long pages) { this.pages = pages; }
    public Long getBytes() { return bytes; }
    public void setBytes(Long bytes) { this.bytes = bytes; }
}
