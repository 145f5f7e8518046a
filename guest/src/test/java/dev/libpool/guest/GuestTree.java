package dev.libpool.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * A pool source tree laid out as the node daemon lays out an image (guest-relative paths, the
 * scripts and manifests under /.libpool) and a guest root to attach it to (tests only).
 */
final class GuestTree {

    final Path pool;
    final Path root;
    private final Random random = new Random(42);
    private final StringBuilder manifest = new StringBuilder();

    GuestTree(Path dir) {
        this.pool = dir.resolve("pool-src");
        this.root = dir.resolve("root");
        mkdirs(pool.resolve(".libpool"));
        mkdirs(root);
    }

    /** Adds a pool file (random content) at guest path {@code path}; returns its bytes. */
    byte[] poolFile(String path, int size) {
        byte[] content = new byte[size];
        random.nextBytes(content);
        write(pool.resolve(path.substring(1)), content);
        manifest.append(sha256(content)).append('\t').append(size).append('\t').append(path).append('\n');
        return content;
    }

    /** A manifest line as a hostile or broken image could hold it: no pool file is written. */
    void manifestEntry(byte[] content, String path) {
        manifest.append(sha256(content)).append('\t').append(content.length).append('\t').append(path).append('\n');
    }

    /** A symlink inside the pool image (a hostile image could hold one). */
    void poolSymlink(String path, String target) {
        symlink(pool.resolve(path.substring(1)), target);
    }

    void guestFile(String path, byte[] content) {
        write(root.resolve(path.substring(1)), content);
    }

    void guestSymlink(String path, String target) {
        symlink(root.resolve(path.substring(1)), target);
    }

    private static void symlink(Path link, String target) {
        try {
            mkdirs(link.getParent());
            Files.createSymbolicLink(link, Path.of(target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void guestDirectory(String path) {
        mkdirs(root.resolve(path.substring(1)));
    }

    /** Writes manifest.tsv/json and the scripts under test into the pool's /.libpool. */
    void seal(String poolName) {
        Path meta = pool.resolve(".libpool");
        write(meta.resolve("manifest.tsv"), manifest.toString().getBytes(StandardCharsets.UTF_8));
        write(meta.resolve("manifest.json"), ("{\"pool\": \"" + poolName + "\", \"generation\": 1, \"files\": []}\n")
                .getBytes());
        write(meta.resolve("attach.sh"), GuestScripts.attachScript().getBytes());
        write(meta.resolve("detach.sh"), GuestScripts.detachScript().getBytes());
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static void write(Path file, byte[] content) {
        try {
            mkdirs(file.getParent());
            Files.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
