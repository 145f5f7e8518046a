package dev.libpool.node.pool.source;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Directories of the scratch copy, created one component at a time without following a link: a link the copy
 * holds (copied from the image, so untrusted) can never make a later write land outside the scratch tree.
 * Nothing but the reader writes there, so what is checked stays so.
 */
final class ScratchDirs {

    private ScratchDirs() {
    }

    /** {@code root/relative}, created as needed; every component a real directory, never a link. */
    static Path directories(Path root, String relative) throws IOException {
        Path at = root;
        for (String part : relative.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals(".") || part.equals("..")) {
                throw new IOException("refusing the path component " + part + " in the scratch copy");
            }
            at = at.resolve(part);
            if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createDirectory(at);
                } catch (FileAlreadyExistsException e) {
                    throw new FileAlreadyExistsException(at.toString(), null, "a link or file is on the way");
                }
            }
        }
        return at;
    }
}
