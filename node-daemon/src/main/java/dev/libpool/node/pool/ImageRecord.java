package dev.libpool.node.pool;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What the daemon remembers of a published generation, outside the VM-visible mount
 * ({@code <state>/meta/<pool>/<sha256>.json}): its manifest and the key of the inputs it was built from.
 *
 * @param buildKey hash of everything that shapes the image except the pool's generation number, so a spec
 *                 change that does not change the content (e.g. KSM settings) does not republish the pool
 * @param learnedFrom null for the plain layout; else the learned layout and the digest of the learned pages
 *                 it was built from (the buildKey is then that of the full selection, before narrowing)
 */
public record ImageRecord(String buildKey, long dataBytes, Manifest manifest, String learnedFrom) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORMAT = "libpool-image-v1";

    public static String buildKey(Manifest manifest, ImageScripts scripts, long deviceSize) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(FORMAT.getBytes(StandardCharsets.UTF_8));
            md.update(new Manifest(manifest.pool(), 0, manifest.files()).toJson());
            md.update(scripts.attach());
            md.update(scripts.detach());
            md.update(scripts.bootstrap());
            md.update(ByteBuffer.allocate(Long.BYTES).putLong(deviceSize).array());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void write(Path metaDir, String sha256) throws IOException {
        Files.createDirectories(metaDir);
        Path temp = metaDir.resolve(sha256 + ".json.tmp");
        JSON.writeValue(temp.toFile(), this);
        Files.move(temp, metaDir.resolve(sha256 + ".json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    public static Optional<ImageRecord> read(Path metaDir, String sha256) {
        Path file = metaDir.resolve(sha256 + ".json");
        try {
            return Files.exists(file) ? Optional.of(JSON.readValue(file.toFile(), ImageRecord.class)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // an unreadable record only costs a rebuild
        }
    }
}
