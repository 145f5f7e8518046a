package dev.libpool.node.pool;

import java.nio.file.Path;

/**
 * An image built in the scratch directory, already padded (sparse) to the device size.
 *
 * @param file      the padded image
 * @param dataBytes the bytes mkfs.erofs wrote; everything after is a hole
 * @param sha256    hex digest of the whole padded file: the content-addressed name
 * @param timing     where the build's time went (for the benchmark)
 */
public record BuiltImage(Path file, long dataBytes, long sizeBytes, String sha256, Manifest manifest,
                         Timing timing) {

    /** Milliseconds spent staging the tree, in mkfs.erofs, and hashing the padded image. */
    public record Timing(long stageMillis, long mkfsMillis, long hashMillis) {
    }
}
