package dev.libpool.api.v1alpha1;

/**
 * Whether a node builds the pool's next generation from what its guests were seen to touch (per node; see
 * docs/node-daemon.md): Off keeps every selected library whole in path order; Dense puts the pages learned as
 * touched together at the start of the image (4 KiB chunks), meant to keep host read-around among touched
 * pages (not achieved yet, see the docs); Narrow does the same and leaves out the libraries nobody touched.
 */
public enum LearnedLayout {
    Off, Dense, Narrow
}
