package dev.libpool.node.pool;

import java.util.List;

/**
 * The result of selecting a source root.
 *
 * @param files   distinct real files, sorted by path
 * @param skipped matched paths that were left out and why (dangling links, directories, non-ELF files under
 *                the default include)
 */
public record Selection(List<LibraryFile> files, List<String> skipped) {

    public long totalBytes() {
        return files.stream().mapToLong(LibraryFile::size).sum();
    }
}
