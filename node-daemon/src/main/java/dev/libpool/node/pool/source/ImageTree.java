package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Read access to the file system inside an image, by absolute path inside the image. */
interface ImageTree {

    enum Kind { DIRECTORY, SYMLINK, FILE, OTHER, MISSING }

    /** Copies each path (a directory recursively, a link as a link) to the same path under {@code root}. */
    void copyOut(List<String> paths, Path root) throws PoolFailure, IOException;

    /** What the path names, without following its last component. */
    Kind kind(String path) throws PoolFailure, IOException;
}
