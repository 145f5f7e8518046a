package dev.libpool.api.v1alpha1;

/**
 * Whether a node builds the pool's next generation from what its guests were seen to touch (per node; see
 * docs/node-daemon.md): Off keeps every selected library whole in path order; Dense puts the touched pages of
 * all libraries together at the start of the image (4 KiB chunks), so host read-around around a touched page
 * mostly brings in other touched pages; Narrow does the same and leaves out the libraries nobody touched.
 */
public enum LearnedLayout {
    Off, Dense, Narrow
}
