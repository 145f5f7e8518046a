package dev.libpool.node.pool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** sha256 of a file's content: libraries in the manifest, image digests, the e2e's check of the pool file. */
public final class FileDigest {

    private FileDigest() {
    }

    /** Lower-case hex sha256 of the whole file. */
    public static String sha256(Path file) throws IOException {
        return sha256(file, Long.MAX_VALUE, 0);
    }

    /**
     * sha256 of a file whose content past {@code dataBytes} is known to be zeros (a padded image's hole), up to
     * {@code totalBytes}: the zeros are hashed from memory instead of read through the file.
     */
    public static String sha256(Path file, long dataBytes, long totalBytes) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        long read = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; read < dataBytes && (n = in.read(buf, 0, (int) Math.min(buf.length, dataBytes - read))) > 0; read += n) {
                md.update(buf, 0, n);
            }
        }
        java.util.Arrays.fill(buf, (byte) 0);
        for (long left = totalBytes - read; left > 0; left -= buf.length) {
            md.update(buf, 0, (int) Math.min(buf.length, left));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
