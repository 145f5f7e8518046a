package dev.libpool.node.pool.source;

import dev.libpool.node.pool.FileTrees;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A pool source as a directory tree, open while the pool is selected and built.
 *
 * @param root    the guest root the selector walks
 * @param field   the spec field and value it came from, for messages
 * @param scratch a directory this tree owns and deletes on close (null for a hostPath, which is the node's own)
 * @param skipped entries of a disk image the reader left out, each "path (why)": odd names, loops, unreadable kinds
 */
public record SourceTree(Path root, String field, Path scratch, List<String> skipped) implements AutoCloseable {

    public SourceTree(Path root, String field, Path scratch) {
        this(root, field, scratch, List.of());
    }

    @Override
    public void close() throws IOException {
        FileTrees.delete(scratch);
    }
}
