package dev.libpool.node.pool;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * /.libpool/manifest.json (and its POSIX-sh friendly twin manifest.tsv) inside the image: which guest path
 * holds which library. Serialized deterministically, as the image must be byte-identical for the same input.
 *
 * @param generation the pool's metadata.generation when this content was first built
 */
@JsonPropertyOrder({"pool", "generation", "files"})
public record Manifest(String pool, long generation, List<Entry> files) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One library; {@code path} is the absolute guest path, one that {@link GuestPaths} admits. */
    @JsonPropertyOrder({"path", "size", "sha256", "soname"})
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Entry(String path, long size, String sha256, String soname) {
        public Entry {
            // The selection refuses such names; this is the last line before a path reaches a guest.
            GuestPaths.problem(path).ifPresent(p -> {
                throw new IllegalArgumentException("manifest path " + GuestPaths.printable(path) + " refused: " + p);
            });
        }
    }

    public static Manifest of(String pool, long generation, Selection selection) {
        return new Manifest(pool, generation, selection.files().stream()
                .map(f -> new Entry(f.guestPath(), f.size(), f.sha256(), f.elf().soname().orElse(null)))
                .toList());
    }

    public long libraryBytes() {
        return files.stream().mapToLong(Entry::size).sum();
    }

    public byte[] toJson() {
        try {
            return (JSON.writeValueAsString(this) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code <sha256>\t<size>\t<guest path>} per line. */
    public byte[] toTsv() {
        StringBuilder tsv = new StringBuilder();
        files.forEach(e -> tsv.append(e.sha256()).append('\t').append(e.size()).append('\t').append(e.path()).append('\n'));
        return tsv.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static Manifest fromJson(byte[] json) throws IOException {
        return JSON.readValue(json, Manifest.class);
    }
}
