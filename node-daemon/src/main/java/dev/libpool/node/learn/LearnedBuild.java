package dev.libpool.node.learn;

import dev.libpool.api.v1alpha1.LearnedLayout;

import java.io.IOException;
import java.nio.file.Path;

/**
 * When a node builds a pool's next generation from what its guests touched. The library pages learned from
 * every generation are merged into {@code <meta>/<pool>/learned.json}. A generation whose layout does not
 * follow the pool's {@code learnedLayout} is rebuilt once the learning has settled: no new page for
 * {@link #SETTLE_PASSES} passes in a row while some QEMU maps the pool. A generation built from learned
 * pages is not rebuilt as more is learned (no churn of generations); the next rebuild for another reason
 * (sources, spec) takes everything learned by then.
 */
public final class LearnedBuild {

    public static final int SETTLE_PASSES = 5;
    private static final String FILE = "learned.json";

    private final Path file;
    private LearnedPages learned;
    private int quietPasses;

    public LearnedBuild(Path metaDir) {
        this.file = metaDir.resolve(FILE);
        this.learned = LearnedPages.read(file);
    }

    /** Merges what the serving generation taught in this pass. */
    public void observe(LearnedPages fromServing, int mappers) throws IOException {
        LearnedPages merged = learned.union(fromServing);
        if (merged != learned) {
            learned = merged;
            learned.write(file);
            quietPasses = 0;
        } else if (mappers > 0) {
            quietPasses++;
        }
    }

    /** The learned pages a build in this mode uses, or null for the plain layout. */
    public LearnedPages input(LearnedLayout mode) {
        return mode == null || mode == LearnedLayout.Off || learned.isEmpty() ? null : learned;
    }

    /** What a generation built from {@code input} in {@code mode} records as its origin (null: plain). */
    public static String origin(LearnedLayout mode, LearnedPages input) {
        return input == null ? null : mode + ":" + input.digest();
    }

    /** Whether the serving generation (built with {@code servingOrigin}) should give way although its inputs did not change. */
    public boolean wantsRebuild(LearnedLayout mode, String servingOrigin) {
        if (mode == null || mode == LearnedLayout.Off) {
            return servingOrigin != null;
        }
        if (learned.isEmpty() || quietPasses < SETTLE_PASSES) {
            return false;
        }
        return servingOrigin == null || !servingOrigin.startsWith(mode + ":");
    }
}
