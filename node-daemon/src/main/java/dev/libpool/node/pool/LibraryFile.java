package dev.libpool.node.pool;

import java.nio.file.Path;

/**
 * One selected library: its real file inside the source root and what the manifest records of it.
 *
 * @param path   path relative to the source root ("usr/lib/x86_64-linux-gnu/libc.so.6"); the guest path is "/" + path
 * @param source the file on this host
 * @param stamp  identity and change stamps of the source when its sha256 was read
 */
public record LibraryFile(String path, Path source, String sha256, ElfInfo elf, SourceFacts.Stamp stamp) {

    /** Bytes of the source when its sha256 was read. */
    public long size() {
        return stamp.size();
    }

    public String guestPath() {
        return "/" + path;
    }
}
