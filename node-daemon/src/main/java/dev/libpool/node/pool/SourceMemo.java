package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Which generation a disk image gave last time ({@code <state>/meta/<pool>/source.key}), so an unchanged image is
 * not read again on every pass or after a restart. The key covers the image file's identity and everything of
 * the spec and the daemon that shapes the pool; any change means a fresh read.
 */
final class SourceMemo {

    private static final String FILE = "source.key";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SourceMemo() {
    }

    static String key(String contentKey, SharedLibraryPoolSpec spec, ImageScripts scripts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Object part : List.of(contentKey, JSON.writeValueAsString(spec.getSource()), spec.effectiveInclude(),
                    String.valueOf(spec.getExclude()), String.valueOf(spec.getMaxSize()))) {
                md.update(part.toString().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            md.update(scripts.attach());
            md.update(scripts.detach());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The generation recorded for this key, if the last read of the source had exactly this key. */
    static Optional<String> recorded(Path metaDir, String key) {
        try {
            List<String> lines = Files.readAllLines(metaDir.resolve(FILE), StandardCharsets.UTF_8);
            return lines.size() == 2 && lines.get(0).equals(key) ? Optional.of(lines.get(1)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // no memo: one more read
        }
    }

    static void record(Path metaDir, String key, String digest) throws IOException {
        Files.createDirectories(metaDir);
        Path temp = metaDir.resolve(FILE + ".tmp");
        Files.writeString(temp, key + "\n" + digest + "\n", StandardCharsets.UTF_8);
        Files.move(temp, metaDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
