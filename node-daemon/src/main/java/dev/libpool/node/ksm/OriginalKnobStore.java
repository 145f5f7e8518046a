package dev.libpool.node.ksm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The KSM knob values a node had before libpool first changed one, kept in a host file so they survive a
 * daemon crash or restart: {"knobs":{"pages_to_scan":"100","run":"0",...}}. Written atomically (temporary
 * file, fsync, rename, fsync of the directory).
 */
public class OriginalKnobStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public OriginalKnobStore(Path file) {
        this.file = file;
    }

    public Path file() { return file; }

    public Optional<KsmSettings> load() throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Map<String, Map<String, String>> document = JSON.readValue(file.toFile(), new TypeReference<>() { });
        Map<String, String> knobs = document.get("knobs");
        if (knobs == null) {
            throw new IOException(file + " has no \"knobs\" object: move it away to let libpool save the originals anew");
        }
        EnumMap<KsmKnob, String> values = new EnumMap<>(KsmKnob.class);
        for (Map.Entry<String, String> e : knobs.entrySet()) {
            KsmKnob knob = KsmKnob.byFileName(e.getKey()).orElseThrow(() -> new IOException(
                    file + " names an unknown ksm knob " + e.getKey() + ": remove that entry"));
            values.put(knob, e.getValue());
        }
        return Optional.of(KsmSettings.of(values));
    }

    /**
     * Called before libpool changes a knob: saves every knob libpool may write that this kernel has, with its
     * current value. Knobs already saved keep their first value; the others are at their original value now
     * (never changed, or put back by a partial restore), so their current value is the original.
     */
    public void recordBeforeChange(KsmReading current) throws IOException {
        Optional<KsmSettings> saved = load();
        EnumMap<KsmKnob, String> values = new EnumMap<>(KsmKnob.class);
        for (KsmKnob knob : KsmKnob.values()) {
            current.value(knob).ifPresent(v -> values.put(knob, v));
        }
        saved.ifPresent(s -> values.putAll(s.values()));
        KsmSettings originals = KsmSettings.of(values);
        if (!saved.equals(Optional.of(originals))) {
            save(originals);
        }
    }

    public void save(KsmSettings originals) throws IOException {
        Map<String, String> knobs = new TreeMap<>();
        originals.values().forEach((knob, value) -> knobs.put(knob.fileName(), value));
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("knobs", knobs);
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(document);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temporary = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot rename " + temporary + " over " + file + " atomically: keep the state dir on "
                    + "one file system", e);
        }
        syncDirectory(dir);
    }

    public void delete() throws IOException {
        if (Files.deleteIfExists(file)) {
            syncDirectory(file.toAbsolutePath().getParent());
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
