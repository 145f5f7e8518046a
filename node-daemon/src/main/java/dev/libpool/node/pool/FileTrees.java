package dev.libpool.node.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Scratch trees (staging, disk-image copies, benchmark space) are removed the same way everywhere. */
public final class FileTrees {

    private FileTrees() {
    }

    /** Deletes {@code dir} and everything under it, links as links; nothing when it does not exist. */
    public static void delete(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
