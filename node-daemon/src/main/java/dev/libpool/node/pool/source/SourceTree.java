package dev.libpool.node.pool.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A pool source as a directory tree, open while the pool is selected and built.
 *
 * @param root    the guest root the selector walks
 * @param field   the spec field and value it came from, for messages
 * @param scratch a directory this tree owns and deletes on close (null for a hostPath, which is the node's own)
 */
public record SourceTree(Path root, String field, Path scratch) implements AutoCloseable {

    @Override
    public void close() throws IOException {
        if (scratch == null || !Files.exists(scratch)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(scratch)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
