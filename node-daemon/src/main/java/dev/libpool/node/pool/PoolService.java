package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;
import dev.libpool.node.host.SelinuxMount;
import dev.libpool.node.learn.LearnedBuild;
import dev.libpool.node.learn.PagePresence;
import dev.libpool.node.learn.UsageLearner;
import dev.libpool.node.pool.PoolFailure.Reason;
import dev.libpool.node.pool.source.PoolSources;
import dev.libpool.node.pool.source.SourceTree;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * One pool on this host, end to end: select, build, publish, collect, measure, and recover at start.
 * Every failure becomes a Failed state with a reason and a fix while the last good generation keeps serving.
 */
public final class PoolService {

    /** What a reconcile leaves: the state to report and the stable file VMs attach (null before any publish). */
    public record Result(NodePoolState state, Path stableFile) {
        public boolean ready() {
            return state.getState() == NodePoolState.State.Ready;
        }
    }

    private static final Logger LOG = Logger.getLogger(PoolService.class.getName());
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(60);

    private final SharedLibraryPool pool;
    private final String ownerId;
    private final HostPaths paths;
    private final Natives natives;
    private final ErofsImageBuilder builder;
    private final ProcMaps procMaps;
    private final PoolSources sources;
    private final SourceFacts sourceFacts = new SourceFacts();
    private UsageLearner learner;
    private LearnedBuild learned;
    private GenerationBuild generations;
    private PoolStore store;
    /** "inode key/digest" of the last pool.img whose content was hashed and matched its name. */
    private String verified;

    /**
     * @param ownerId who owns the pool name on this host: "cluster" for the daemon, "file:PATH" for a standalone
     *                YAML; a different owner finding the name taken fails with PoolNameConflict
     */
    public PoolService(SharedLibraryPool pool, String ownerId, HostPaths paths, Natives natives, ErofsImageBuilder builder) {
        this(pool, ownerId, paths, natives, builder, PoolSources.onHost(paths));
    }

    public PoolService(SharedLibraryPool pool, String ownerId, HostPaths paths, Natives natives, ErofsImageBuilder builder,
                       PoolSources sources) {
        this.sources = sources;
        this.pool = pool;
        this.ownerId = ownerId;
        this.paths = paths;
        this.natives = natives;
        this.builder = builder;
        this.procMaps = new ProcMaps(paths.proc());
    }

    /** The real thing on this host: JNA natives and mkfs.erofs from PATH. */
    public static PoolService onHost(SharedLibraryPool pool, String ownerId, HostPaths paths) {
        return new PoolService(pool, ownerId, paths, new JnaNatives(), new ErofsImageBuilder(ErofsImageBuilder.DEFAULT_MKFS));
    }

    /** Source bytes selection has read so far (stays put while the sources do not change). */
    public long sourceBytesRead() {
        return sourceFacts.bytesRead();
    }

    public String name() {
        return pool.getMetadata().getName();
    }

    /** The pool's store; valid after the spec passed validation in {@link #reconcile()} or {@link #status()}. */
    public PoolStore store() {
        return store;
    }

    public Result reconcile() {
        NodePoolState state = newState();
        try {
            SharedLibraryPoolSpec spec = validate();
            try (StateLock ignored = StateLock.acquire(paths, natives, LOCK_TIMEOUT)) {
                ErofsImageBuilder.removeLeftovers(paths.buildDir());
                List<String> restored = store.ensureMounted();
                claimName();
                Optional<String> serving = verifiedCurrent();
                PoolFailure failure = null;
                Selection selection = null;
                List<String> readerSkipped = List.of();
                try {
                    Optional<String> memo = memoKey(spec);
                    // an unchanged disk image is not read again: its generation serves, or its failure stands,
                    // unless what guests touched settled and the serving generation is to be laid out from it
                    if (memo.isEmpty() || generations.wantsRelayout(spec, serving)
                            || !SourceMemo.unchanged(paths.metaDir(name()), memo.get(), serving)) {
                        try (SourceTree tree = sources.open(name(), spec.getSource(), spec.effectiveInclude(),
                                PoolGeometry.maxBytes(spec.getMaxSize()))) {
                            selection = new LibrarySelector(spec.effectiveInclude(), spec.getExclude(),
                                    spec.getInclude() != null && !spec.getInclude().isEmpty(),
                                    PoolGeometry.maxBytes(spec.getMaxSize()), sourceFacts).select(tree.root(), tree.field());
                            readerSkipped = tree.skipped();
                            FaultPoint.reach(FaultPoint.Step.SELECTED);
                            String built = generations.buildIfChanged(spec, generation(), selection, serving, store);
                            if (!serving.equals(Optional.of(built))) {
                                verified = FileKey.of(store.stableFile()) + "/" + built;
                            }
                            serving = Optional.of(built);
                        } catch (PoolFailure f) {
                            SourceMemo.recordFailure(paths.metaDir(name()), memo, f);
                            throw f;
                        }
                        SourceMemo.record(paths.metaDir(name()), memo, serving.get());
                    }
                } catch (PoolFailure f) {
                    failure = f;
                } catch (IOException | RuntimeException e) { // through the failure path: no empty tmpfs stays mounted
                    failure = new PoolFailure(Reason.HostError, "host error: " + e, e);
                }
                describe(state, serving, true);
                if (failure != null) {
                    if (serving.isEmpty()) {
                        store.unmountIfEmpty();
                    }
                    return failed(state, failure, serving);
                }
                state.setState(NodePoolState.State.Ready);
                state.setReason("Published");
                state.setMessage("serving " + state.getImage().getLibraryCount() + " libraries from " + store.stableFile()
                        + (selection == null || selection.skipped().isEmpty() ? "" : "; skipped " + selection.skipped().size()
                        + " matched path(s), e.g. " + selection.skipped().get(0))
                        + (readerSkipped.isEmpty() ? "" : "; the image reader left out " + readerSkipped.size()
                        + " entr(ies), e.g. " + readerSkipped.get(0))
                        + (restored.isEmpty() ? "" : "; restored its protection: " + String.join("; ", restored)));
                return new Result(state, store.stableFile());
            }
        } catch (PoolFailure f) {
            return failed(state, f, Optional.empty());
        } catch (Exception e) {
            return failed(state, new PoolFailure(Reason.HostError, "host error: " + e, e), Optional.empty());
        }
    }

    /** Read-only: what is published and who maps it, without building, collecting or mounting. */
    public Result status() {
        NodePoolState state = newState();
        try {
            validate();
            if (!store.isPresent() || currentDigestOrEmpty().isEmpty()) {
                state.setState(NodePoolState.State.Failed);
                state.setReason("NotPublished");
                state.setMessage("no pool image is published at " + store.stableFile() + ": run `libpool pool build FILE`"
                        + " or start the node daemon");
                return new Result(state, null);
            }
            Optional<String> serving = verifiedCurrent();
            describe(state, serving, false);
            state.setState(serving.isPresent() ? NodePoolState.State.Ready : NodePoolState.State.Failed);
            state.setReason(serving.isPresent() ? "Published" : "ImageCorrupted");
            state.setMessage(serving.isPresent() ? "serving " + store.stableFile() : store.stableFile()
                    + " does not match its digest: run `libpool pool build FILE` to rebuild it");
            return new Result(state, store.stableFile());
        } catch (PoolFailure f) {
            return failed(state, f, Optional.empty());
        } catch (IOException e) {
            return failed(state, new PoolFailure(Reason.HostError, "host error: " + e, e), Optional.empty());
        }
    }

    private NodePoolState newState() {
        NodePoolState state = new NodePoolState();
        state.setName(pool.getMetadata() == null ? null : pool.getMetadata().getName());
        state.setObservedGeneration(pool.getMetadata() == null ? null : pool.getMetadata().getGeneration());
        return state;
    }

    private SharedLibraryPoolSpec validate() throws PoolFailure {
        String name = pool.getMetadata() == null ? null : pool.getMetadata().getName();
        if (name == null || !VmContract.isPoolName(name)) {
            throw new PoolFailure(Reason.InvalidSpec, "metadata.name \"" + name + "\" must be a DNS label of at most "
                    + VmContract.MAX_POOL_NAME + " characters (lower-case letters, digits, '-')");
        }
        if (learner == null) {
            learner = new UsageLearner(new PagePresence(paths.proc()), paths.metaDir(name));
            learned = new LearnedBuild(paths.metaDir(name));
            generations = new GenerationBuild(name, paths, builder, sourceFacts, learned);
        }
        SharedLibraryPoolSpec spec = pool.getSpec();
        if (spec == null) {
            throw new PoolFailure(Reason.InvalidSpec, "spec is missing: set spec.source, spec.maxSize and spec.namespaceSelector");
        }
        PoolSources.validate(spec.getSource());
        try {
            PoolMedium medium = spec.getMedium() == null ? PoolMedium.tmpfs : spec.getMedium();
            store = new PoolStore(paths.poolDir(name), natives, name, medium, PoolGeometry.mediumSizeBytes(spec.getMaxSize()),
                    SelinuxMount.effective(paths));
        } catch (IllegalArgumentException e) {
            throw new PoolFailure(Reason.InvalidSpec, e.getMessage(), e);
        }
        return spec;
    }

    /** A pool name belongs to one owner on this host: a second pool of the same name must not take over its file. */
    private void claimName() throws PoolFailure, IOException {
        Path owner = paths.state().resolve("owners").resolve(name());
        if (Files.exists(owner)) {
            String existing = Files.readString(owner, StandardCharsets.UTF_8).strip();
            if (!existing.equals(ownerId)) {
                throw new PoolFailure(Reason.PoolNameConflict, "a pool named " + name() + " from " + existing
                        + " already lives in " + store.dir() + " (this one is from " + ownerId + "): rename this pool, or "
                        + "delete " + owner + " once no VM uses the other one");
            }
            return;
        }
        Files.createDirectories(owner.getParent());
        Files.writeString(owner, ownerId + "\n", StandardCharsets.UTF_8);
    }

    private Optional<String> currentDigestOrEmpty() throws IOException {
        return Files.isDirectory(store.dir()) ? store.currentDigest() : Optional.empty();
    }

    /** The digest of pool.img if its content matches its name; a mismatch is logged and means "rebuild". */
    private Optional<String> verifiedCurrent() throws IOException {
        Optional<String> current = currentDigestOrEmpty();
        if (current.isEmpty()) {
            return current;
        }
        String key = FileKey.of(store.stableFile()) + "/" + current.get();
        if (key.equals(verified)) {
            return current;
        }
        String actual = FileDigest.sha256(store.stableFile());
        if (!actual.equals(current.get())) {
            LOG.warning(() -> store.stableFile() + " is corrupted: its content hashes to " + actual + ", not "
                    + current.get() + "; rebuilding");
            verified = null;
            return Optional.empty();
        }
        if (!store.medium().mounted()) {
            natives.dropCache(store.stableFile()); // the hash read every page; guests decide what stays resident
        }
        verified = key;
        store.protect(store.generationFile(current.get())); // re-arm after a crash between publish steps
        return current;
    }

    private long generation() {
        Long generation = pool.getMetadata().getGeneration();
        return generation == null ? 1 : generation;
    }

    private Optional<String> memoKey(SharedLibraryPoolSpec spec) throws PoolFailure, IOException {
        Optional<String> content = sources.contentKey(name(), spec.getSource());
        return content.isEmpty() ? content : Optional.of(SourceMemo.key(content.get(), spec, ImageScripts.fromGuestModule()));
    }

    /** Fills image, path and usage of the serving generation; collects unmapped generations when allowed. */
    private void describe(NodePoolState state, Optional<String> serving, boolean collect) throws IOException {
        int retained;
        ProcMaps.Snapshot maps = procMaps.snapshot(); // one /proc walk for collection and measurement
        if (collect) {
            GenerationCollector.Result collected = new GenerationCollector(procMaps).collect(store, maps);
            for (Path removed : collected.removed()) {
                Files.deleteIfExists(paths.metaDir(name()).resolve(PoolStore.digestOf(removed) + ".json"));
                Files.deleteIfExists(paths.metaDir(name()).resolve(PoolStore.digestOf(removed) + UsageLearner.SUFFIX));
            }
            retained = collected.retained().size();
        } else {
            retained = Math.max(0, store.generations().size() - (serving.isPresent() ? 1 : 0));
        }
        state.setRetainedGenerations(retained);
        if (serving.isEmpty()) {
            return;
        }
        ImageInfo image = new ImageInfo();
        image.setDigest("sha256:" + serving.get());
        image.setSizeBytes(Files.size(store.stableFile()));
        ImageRecord.read(paths.metaDir(name()), serving.get()).ifPresent(r -> {
            image.setLibraryCount(r.manifest().files().size());
            image.setLibraryBytes(r.manifest().libraryBytes());
        });
        state.setImage(image);
        state.setPath(VmContract.poolFile(paths.stateDir(), name()));
        if (collect) {
            store.trimUnmapped(); // before measuring: the report's residentBytes is what stays
        }
        PoolUsage usage = new PoolMeasurer(procMaps, natives).measure(store, maps);
        state.setMappers(usage.mappers());
        state.setResidentBytes(usage.residentBytes());
        state.setSavedBytes(usage.savedBytes());
        if (collect) { // learning writes its records: not in the read-only status
            try {
                state.setUsed(learner.learn(store.generationFile(serving.get()), serving.get(), usage.mapperPids(), () -> {
                    if (!store.medium().mounted()) {
                        natives.dropCache(store.stableFile()); // the layout read is the daemon's, not a guest's
                    }
                }));
                learned.observe(learner.learnedPages(), usage.mappers());
            } catch (IOException e) {
                LOG.warning(() -> "pool " + name() + ": learning what guests touched failed (the pool keeps serving): " + e);
            }
        }
    }

    private Result failed(NodePoolState state, PoolFailure f, Optional<String> serving) {
        LOG.warning(() -> "pool " + state.getName() + ": " + f.reason() + ": " + f.getMessage());
        // a read off the pass is not a failure: Building, with the last good generation serving meanwhile
        state.setState(f.reason() == Reason.DiskImageReading ? NodePoolState.State.Building : NodePoolState.State.Failed);
        state.setReason(f.reason().name());
        String message = f.getMessage();
        state.setMessage(message + serving.map(d -> (message.endsWith(".") ? " " : ". ") + "The last good generation sha256:"
                + d + " keeps serving.").orElse(""));
        return new Result(state, serving.isPresent() ? store.stableFile() : null);
    }
}
