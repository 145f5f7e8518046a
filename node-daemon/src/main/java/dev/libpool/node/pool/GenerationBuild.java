package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.LearnedLayout;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.learn.LearnedBuild;
import dev.libpool.node.learn.LearnedPages;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Whether a pool needs a new generation and, if so, builds and publishes it: a new selection, new guest scripts,
 * another device size, or a learned layout that settled. An unchanged input keeps the serving generation, so a
 * pass that changed nothing writes nothing.
 */
final class GenerationBuild {

    private static final Logger LOG = Logger.getLogger(GenerationBuild.class.getName());

    private final String pool;
    private final HostPaths paths;
    private final ErofsImageBuilder builder;
    private final SourceFacts sourceFacts;
    private final LearnedBuild learned;

    GenerationBuild(String pool, HostPaths paths, ErofsImageBuilder builder, SourceFacts sourceFacts, LearnedBuild learned) {
        this.pool = pool;
        this.paths = paths;
        this.builder = builder;
        this.sourceFacts = sourceFacts;
        this.learned = learned;
    }

    /**
     * @param generation the pool object's metadata.generation (recorded in the manifest)
     * @return the digest that serves after this call: {@code serving}'s when nothing changed
     */
    String buildIfChanged(SharedLibraryPoolSpec spec, long generation, Selection selection, Optional<String> serving,
                          PoolStore store) throws PoolFailure, IOException {
        ImageScripts scripts = ImageScripts.fromGuestModule();
        long deviceSize = PoolGeometry.deviceSizeBytes(spec.getMaxSize());
        Manifest full = Manifest.of(pool, generation, selection);
        String buildKey = ImageRecord.buildKey(full, scripts, deviceSize);
        Optional<ImageRecord> record = serving.flatMap(d -> ImageRecord.read(paths.metaDir(pool), d));
        LearnedLayout mode = spec.getLearnedLayout();
        if (record.map(r -> r.buildKey().equals(buildKey)).orElse(false) && !wantsRelayout(mode, record)) {
            return serving.get();
        }
        LearnedPages dense = learned.input(mode);
        Selection built = mode == LearnedLayout.Narrow && dense != null ? narrow(selection, dense) : selection;
        Manifest manifest = built == selection ? full : Manifest.of(full.pool(), full.generation(), built);
        BuiltImage image;
        try {
            image = builder.build(manifest, built, scripts, deviceSize, paths.buildDir(), dense);
        } finally {
            sourceFacts.restamp(selection.files().stream().map(LibraryFile::source).toList());
        }
        try {
            new ImageRecord(buildKey, image.dataBytes(), manifest, LearnedBuild.origin(mode, dense))
                    .write(paths.metaDir(pool), image.sha256());
            FaultPoint.reach(FaultPoint.Step.RECORDED);
            if (!serving.equals(Optional.of(image.sha256()))) {
                store.publish(image);
                LOG.info(() -> "published pool " + pool + " generation sha256:" + image.sha256()
                        + (dense == null ? "" : " (" + mode + " layout from " + dense.pageCount() + " learned pages)"));
            }
            return image.sha256();
        } finally {
            Files.deleteIfExists(image.file());
        }
    }

    /** Whether learning settled and the serving generation should give way to one laid out from it. */
    boolean wantsRelayout(SharedLibraryPoolSpec spec, Optional<String> serving) {
        return wantsRelayout(spec.getLearnedLayout(), serving.flatMap(d -> ImageRecord.read(paths.metaDir(pool), d)));
    }

    private boolean wantsRelayout(LearnedLayout mode, Optional<ImageRecord> serving) {
        return serving.map(r -> learned.wantsRebuild(mode, r.learnedFrom())).orElse(false);
    }

    /** The libraries guests touched; all of them when none of the learned paths is selected any more. */
    private static Selection narrow(Selection selection, LearnedPages learned) {
        List<LibraryFile> used = selection.files().stream().filter(f -> learned.byPath().containsKey(f.guestPath())).toList();
        return used.isEmpty() ? selection : new Selection(used, selection.skipped());
    }
}
