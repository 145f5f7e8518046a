package dev.libpool.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The local API server's audit log of write requests (see {@link LocalControlPlane}), read onwards from where this
 * reader was created: the writes a client made, counted by the server that received them.
 */
public final class AuditLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One completed write request: who (user, user agent), what (verb, resource/subresource, object) and its code. */
    public record Write(String verb, String user, String userAgent, String resource, String subresource,
                        String namespace, String name, int code) {
        static Write of(JsonNode event) {
            JsonNode ref = event.path("objectRef");
            return new Write(event.path("verb").asText(), event.path("user").path("username").asText(),
                    event.path("userAgent").asText(), ref.path("resource").asText(), ref.path("subresource").asText(),
                    ref.path("namespace").asText(), ref.path("name").asText(),
                    event.path("responseStatus").path("code").asInt());
        }
    }

    private final Path file;
    private long offset;

    /** A reader of FILE from its current end on. */
    AuditLog(Path file) {
        this.file = file;
        this.offset = size(file);
    }

    /** The writes that completed since the last call (or since this reader was made). */
    public synchronized List<Write> next() {
        List<Write> writes = new ArrayList<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = channel.size();
            if (end <= offset) {
                return writes;
            }
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(end - offset));
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) >= 0) {
                // read until the end seen above
            }
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
            // A line still being written is left for the next call.
            int complete = text.lastIndexOf('\n') + 1;
            offset += text.substring(0, complete).getBytes(StandardCharsets.UTF_8).length;
            for (String line : text.substring(0, complete).split("\n")) {
                if (!line.isBlank()) {
                    JsonNode event = JSON.readTree(line);
                    if ("ResponseComplete".equals(event.path("stage").asText())) {
                        writes.add(Write.of(event));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the API server's audit log " + file, e);
        }
        return writes;
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
