package dev.libpool.e2e.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.UsedContent;
import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.GuestSpec;
import dev.libpool.e2e.lab.PoolHost;
import dev.libpool.e2e.lab.LabException;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.Progress;
import dev.libpool.node.learn.LearnedBuild;
import dev.libpool.node.pool.PoolGeometry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One {@link GuestLab} at a time, its pool built from the demo's pool YAML on the medium the running mode needs:
 * the lab is reopened (libvirtd sees only the mounts that exist when it starts) when the medium changes. A
 * hugetlbfs lab first reserves the huge pages its pool needs and gives them back when it closes.
 */
final class LabPerMedium implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** A learner guest gets this long for its workload; the node daemon learns from it meanwhile. */
    static final Duration LEARN_TIMEOUT = Duration.ofMinutes(5);
    /** Passes the node daemon gets to see learning settle and publish the dense generation. */
    static final int LEARN_PASSES = LearnedBuild.SETTLE_PASSES + 3;

    private final Path workDir;
    private final Path poolManifest;
    private final int memMiB;
    private final Progress progress;
    private final List<String> notes = new ArrayList<>();
    private GuestLab lab;
    private PoolMedium medium;
    private HugePages hugePages;

    LabPerMedium(Path workDir, Path poolManifest, int memMiB, Progress progress) {
        this.workDir = workDir;
        this.poolManifest = poolManifest;
        this.memMiB = memMiB;
        this.progress = progress;
    }

    /** Makes {@link #lab()} serve a pool on {@code wanted}; empty, or why this machine cannot. */
    synchronized Optional<String> open(PoolMedium wanted) {
        if (lab != null && medium == wanted) {
            return Optional.empty();
        }
        close();
        if (wanted == PoolMedium.hugetlbfs) {
            HugePages.Reservation reservation = HugePages.reserve(PoolGeometry.mediumSizeBytes(readPool()
                    .getSpec().getMaxSize()));
            if (reservation.pages().isEmpty()) {
                return Optional.of("no huge pages for a hugetlbfs pool: " + reservation.whyNot());
            }
            hugePages = reservation.pages().get();
        }
        medium = wanted;
        lab = GuestLab.open(LabOptions.withPool(workDir.resolve("lab-" + wanted.name())).poolFrom(poolManifest)
                .medium(wanted), progress);
        if (wanted == PoolMedium.PageCache) {
            try {
                learn(lab.pool().orElseThrow());
            } catch (RuntimeException e) {
                // The modes still run, on the plain layout, and the report says so.
                String note = "PageCache pool NOT learned, its modes measure the plain layout: " + e.getMessage();
                notes.add(note.lines().findFirst().orElse(note));
                progress.step("learning", note);
            }
        }
        return Optional.empty();
    }

    /**
     * learnedLayout Dense, as a node does it: one guest runs the workload on the plain generation, the node
     * daemon's passes learn which pages it touched and publish a generation with those pages laid out together;
     * the learner goes, a last pass collects the plain generation. The modes then measure the dense one.
     */
    private void learn(PoolHost pool) {
        String plain = pool.state().getImage().getDigest();
        progress.step("learning", "one guest runs its workload on the PageCache pool; the node daemon learns the "
                + "pages it touches and publishes them laid out together (learnedLayout Dense)");
        Guest learner = lab.boot(new GuestSpec("demo-learner", true, memMiB, false, Optional.empty()));
        try {
            learner.awaitReady(progress, LEARN_TIMEOUT);
            NodePoolState state = pool.reconcile();
            NodePoolState learned = state; // the last pass on the plain generation: what the guest used
            for (int pass = 0; pass < LEARN_PASSES && plain.equals(state.getImage().getDigest()); pass++) {
                Progress.sleep(Duration.ofSeconds(1));
                learned = state;
                state = pool.reconcile();
            }
            if (plain.equals(state.getImage().getDigest())) {
                throw new LabException("the node daemon published no dense generation after " + LEARN_PASSES
                        + " passes while a guest mapped the pool: " + state.getMessage());
            }
            UsedContent used = learned.getUsed() != null ? learned.getUsed() : new UsedContent();
            long pages = used.getPages() == null ? 0 : used.getPages();
            String note = String.format(Locale.ROOT, "PageCache pool learned from one guest: %s libraries, %d pages "
                    + "(%s MiB) touched; dense generation %s", used.getFiles(), pages, Units.mib(pages * 4096.0),
                    state.getImage().getDigest());
            notes.add(note);
            progress.step("learning", note);
        } finally {
            lab.destroy(learner);
        }
        NodePoolState after = pool.reconcile();
        progress.step("learning", "learner gone; generations kept: " + after.getRetainedGenerations()
                + ", resident " + Units.mib(after.getResidentBytes() == null ? 0 : after.getResidentBytes()) + " MiB");
    }

    /** What the labs did besides the modes (learning), for the report. */
    synchronized List<String> notes() {
        return List.copyOf(notes);
    }

    GuestLab lab() {
        return lab;
    }

    /** The medium of the open lab's pool; null when none is open. */
    synchronized PoolMedium medium() {
        return lab == null ? null : medium;
    }

    private SharedLibraryPool readPool() {
        try {
            return YAML.readValue(poolManifest.toFile(), SharedLibraryPool.class);
        } catch (IOException e) {
            throw new LabException("cannot read " + poolManifest + ": " + e.getMessage(), e);
        }
    }

    /** Closes the open lab (guests, libvirtd, pool) and gives reserved huge pages back; idempotent. */
    @Override
    public synchronized void close() {
        if (lab != null) {
            lab.close();
            lab = null;
        }
        if (hugePages != null) {
            hugePages.close();
            progress.step("huge pages", "vm.nr_hugepages back to " + hugePages.original());
            hugePages = null;
        }
    }
}
