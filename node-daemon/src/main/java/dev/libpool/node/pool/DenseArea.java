package dev.libpool.node.pool;

import dev.libpool.node.learn.LearnedPages;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.BitSet;

/**
 * The staged file that makes touched pages dense: every full page guests touched, library after library in
 * path order, page after page. Built with 4 KiB chunks, the image stores each of these pages once, here, and
 * the libraries' chunks point at them. A library's last, partial page is left out: a partial chunk never
 * matches a full one, so it would only be stored twice.
 */
final class DenseArea {

    static final int PAGE = 4096;

    private DenseArea() {
    }

    static void write(Path target, Selection selection, LearnedPages dense) throws IOException {
        ByteBuffer page = ByteBuffer.allocate(PAGE);
        try (OutputStream out = Files.newOutputStream(target)) {
            for (LibraryFile f : selection.files()) {
                BitSet pages = dense.byPath().get(f.guestPath());
                if (pages == null) {
                    continue;
                }
                try (FileChannel in = FileChannel.open(f.source())) {
                    for (int p = pages.nextSetBit(0); p >= 0 && (long) (p + 1) * PAGE <= f.size(); p = pages.nextSetBit(p + 1)) {
                        page.clear();
                        java.util.Arrays.fill(page.array(), (byte) 0); // a source that shrank meanwhile keeps pages aligned
                        while (page.hasRemaining() && in.read(page, (long) p * PAGE + page.position()) > 0) {
                            // read the whole page
                        }
                        out.write(page.array(), 0, PAGE);
                    }
                }
            }
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
