package dev.libpool.node.pool.source;

import dev.libpool.node.pool.ErofsImageBuilder;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The node daemon's disk-image reads, one at a time on a thread of their own: a slow or hostile image (up to its
 * {@link ReadBudget}) never holds up the daemon's pass, so every other pool keeps being built and reported
 * meanwhile. A pool whose read runs is {@code Building} ({@link Reason#DiskImageReading}); when the read ends the
 * daemon is asked for a pass, which takes the copied tree (or the read's failure) and builds from it.
 */
public final class BackgroundReads implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BackgroundReads.class.getName());

    /** One read: what {@link DiskImageReader#extract} gives. */
    @FunctionalInterface
    interface Read {
        SourceTree run(Path buildDir) throws PoolFailure, IOException;
    }

    private record Outcome(SourceTree tree, Exception failure) {
    }

    private final Path dir;
    private final Runnable onDone;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "libpool-disk-image-reader");
        t.setDaemon(true);
        return t;
    });
    /** Per pool, the key of its latest request, when it was made, and its outcome once read. */
    private final Map<String, String> keys = new HashMap<>();
    private final Map<String, Instant> started = new HashMap<>();
    private final Map<String, Outcome> done = new HashMap<>();

    /**
     * @param buildDir the daemon's build directory: reads copy under {@code background/} there, which a pass's
     *                 leftover removal leaves alone; what a killed daemon left there is removed here, at start
     * @param onDone   asks the daemon for a pass
     */
    public BackgroundReads(Path buildDir, Runnable onDone) throws IOException {
        this.dir = buildDir.resolve("background");
        this.onDone = onDone;
        ErofsImageBuilder.removeLeftovers(dir);
    }

    /**
     * The tree of the read {@code key} names, once read; until then the read is started (or left running) and
     * {@link Reason#DiskImageReading} thrown. A request under another key replaces the pool's earlier one.
     */
    synchronized SourceTree take(String pool, String key, String field, Read read) throws PoolFailure, IOException {
        if (key.equals(keys.get(pool))) {
            Outcome outcome = done.remove(pool);
            if (outcome == null) {
                throw reading(field, started.get(pool));
            }
            keys.remove(pool);
            if (outcome.failure() instanceof PoolFailure f) {
                throw f;
            }
            if (outcome.failure() instanceof IOException e) {
                throw e;
            }
            return outcome.tree();
        }
        discard(done.remove(pool));
        keys.put(pool, key);
        started.put(pool, Instant.now());
        reader.execute(() -> finish(pool, key, read));
        throw reading(field, started.get(pool));
    }

    /** Whether a read of the pool is requested and not yet taken (running, queued or done). */
    public synchronized boolean pending(String pool) {
        return keys.containsKey(pool);
    }

    private void finish(String pool, String key, Read read) {
        if (!current(pool, key)) {
            return; // replaced while queued: the newer request is read instead
        }
        Outcome outcome;
        try {
            outcome = new Outcome(read.run(dir), null);
        } catch (PoolFailure | IOException e) {
            outcome = new Outcome(null, e);
        } catch (RuntimeException e) {
            outcome = new Outcome(null, new PoolFailure(Reason.HostError, "reading the disk image failed: " + e, e));
        }
        synchronized (this) {
            if (key.equals(keys.get(pool))) {
                done.put(pool, outcome);
            } else {
                discard(outcome);
            }
        }
        onDone.run();
    }

    private synchronized boolean current(String pool, String key) {
        return key.equals(keys.get(pool));
    }

    private static void discard(Outcome outcome) {
        if (outcome != null && outcome.tree() != null) {
            try {
                outcome.tree().close();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "removing an unused disk-image copy failed", e);
            }
        }
    }

    private static PoolFailure reading(String field, Instant since) {
        return new PoolFailure(Reason.DiskImageReading, field + " is being read in the background since "
                + since.truncatedTo(ChronoUnit.SECONDS) + " (other pools are served meanwhile); the pool is built when "
                + "the read ends, within the read's budget of " + ReadBudget.MAX_TIME.toMinutes() + " min");
    }

    @Override
    public void close() {
        reader.shutdownNow();
        synchronized (this) {
            done.values().forEach(BackgroundReads::discard);
            done.clear();
            keys.clear();
        }
    }
}
