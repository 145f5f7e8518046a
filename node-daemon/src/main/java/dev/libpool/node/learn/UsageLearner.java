package dev.libpool.node.learn;

import dev.libpool.api.v1alpha1.UsedContent;
import dev.libpool.node.pool.FileKey;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.BitSet;
import java.util.Collection;

/**
 * Learns, pass after pass, which pages of a pool's serving generation the mapping QEMUs have touched: the
 * union of their present pages, kept in {@code <meta>/<pool>/<sha256>.used} (a bitmap, one bit per image
 * page) so a daemon restart does not forget it, and mapped back to libraries through the image's layout.
 */
public final class UsageLearner {

    public static final String SUFFIX = ".used";

    private final PagePresence presence;
    private final Path metaDir;
    private String digest;
    private BitSet pages;
    private ErofsLayout layout;

    public UsageLearner(PagePresence presence, Path metaDir) {
        this.presence = presence;
        this.metaDir = metaDir;
    }

    /**
     * Adds what the given processes have present of {@code generation} (content sha256 {@code digest}) and
     * returns what is known so far. {@code afterLayoutRead} runs once the image's metadata was read (PageCache
     * drops those pages again).
     */
    public UsedContent learn(Path generation, String digest, Collection<Long> pids, IoAction afterLayoutRead) throws IOException {
        if (!digest.equals(this.digest)) {
            this.digest = digest;
            Path saved = metaDir.resolve(digest + SUFFIX);
            pages = Files.exists(saved) ? BitSet.valueOf(Files.readAllBytes(saved)) : new BitSet();
            layout = null;
        }
        FileKey key = FileKey.of(generation);
        int added = 0;
        for (long pid : pids) {
            added += presence.addPresent(pid, key, pages);
        }
        if (added > 0) {
            Files.createDirectories(metaDir);
            Path temp = metaDir.resolve(digest + SUFFIX + ".tmp");
            Files.write(temp, pages.toByteArray());
            Files.move(temp, metaDir.resolve(digest + SUFFIX), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        if (layout == null) {
            layout = ErofsLayout.read(generation);
            afterLayoutRead.run();
        }
        return summarize(layout, pages);
    }

    /** The library pages touched in the serving generation so far. */
    public LearnedPages learnedPages() {
        return layout == null ? LearnedPages.empty() : LearnedPages.of(layout, pages);
    }

    /** Libraries, their bytes and the image pages touched, from the layout and the touched image pages (pure). */
    static UsedContent summarize(ErofsLayout layout, BitSet pages) {
        LearnedPages learned = LearnedPages.of(layout, pages);
        java.util.Map<String, Long> sizes = new java.util.HashMap<>();
        layout.files().forEach(f -> sizes.put(f.path(), f.size()));
        UsedContent used = new UsedContent();
        used.setFiles(learned.byPath().size());
        used.setFileBytes(learned.byPath().keySet().stream().mapToLong(sizes::get).sum());
        used.setPages((long) pages.cardinality());
        used.setBytes((long) pages.cardinality() * layout.blockSize());
        return used;
    }

    /** An I/O step to run after the layout was read. */
    @FunctionalInterface
    public interface IoAction {
        void run() throws IOException;
    }
}
