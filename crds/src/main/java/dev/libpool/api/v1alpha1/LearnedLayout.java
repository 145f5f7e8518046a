package dev.libpool.api.v1alpha1;

/**
 * Whether a node builds the pool's next generation from what its guests were seen to touch (per node; see
 * docs/node-daemon.md): Off keeps every selected library whole in path order; Dense puts the pages learned as
 * touched together at the start of the image (4 KiB chunks), so host read-around around a touched page
 * mostly brings in other touched pages (see the docs for where learning over-reports); Narrow does the same and leaves out the libraries nobody touched.
 */
public enum LearnedLayout {
    Off, Dense, Narrow
}
