package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.Objects;

/** One built pool image: what a generation of the pool holds. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ImageInfo {
    @JsonPropertyDescription("sha256:<hex> of the image file; the file is named after it.")
    private String digest;
    @JsonPropertyDescription("Image file size in bytes (a multiple of 2 MiB).")
    private Long sizeBytes;
    @JsonPropertyDescription("Number of libraries in the image.")
    private Integer libraryCount;
    @JsonPropertyDescription("Sum of the library file sizes in bytes.")
    private Long libraryBytes;

    public String getDigest() { return digest; }
    public void setDigest(String digest) { this.digest = digest; }
    public Long getSizeBytes() { return sizeBytes; }
    public void setSizeBytes(Long sizeBytes) { this.sizeBytes = sizeBytes; }
    public Integer getLibraryCount() { return libraryCount; }
    public void setLibraryCount(Integer libraryCount) { this.libraryCount = libraryCount; }
    public Long getLibraryBytes() { return libraryBytes; }
    public void setLibraryBytes(Long libraryBytes) { this.libraryBytes = libraryBytes; }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageInfo i && Objects.equals(digest, i.digest) && Objects.equals(sizeBytes, i.sizeBytes)
                && Objects.equals(libraryCount, i.libraryCount) && Objects.equals(libraryBytes, i.libraryBytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(digest, sizeBytes, libraryCount, libraryBytes);
    }
}
