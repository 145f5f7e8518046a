package dev.libpool.node.pool;

import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.Natives;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;

/**
 * flock(2) on {@code <state>/lock}: one daemon (or standalone command) at a time changes the state directory.
 * Taken per reconcile, so a second daemon waits instead of racing.
 */
public final class StateLock implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(200);

    private final AutoCloseable lock;

    private StateLock(AutoCloseable lock) {
        this.lock = lock;
    }

    public static StateLock acquire(HostPaths paths, Natives natives, Duration timeout) throws PoolFailure {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Files.createDirectories(paths.state());
            while (true) {
                AutoCloseable lock = natives.tryLockExclusive(paths.lockFile());
                if (lock != null) {
                    return new StateLock(lock);
                }
                if (System.nanoTime() > deadline) {
                    throw new PoolFailure(Reason.StateDirLocked, "another libpool daemon or command holds "
                            + paths.lockFile() + " (flock) for more than " + timeout.toSeconds() + " s: run one "
                            + "node daemon per node and do not run `libpool pool build` beside it");
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("Read-only file system")) {
                throw new PoolFailure(Reason.StateDirReadOnly, "the state directory " + paths.state() + " is on a "
                        + "read-only file system: mount it read-write into the node daemon (hostPath "
                        + HostPaths.DEFAULT_STATE_DIR + ", or --state-dir); pools already published keep serving", e);
            }
            throw new PoolFailure(Reason.HostError, "cannot lock the state directory " + paths.state() + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PoolFailure(Reason.StateDirLocked, "interrupted while waiting for " + paths.lockFile(), e);
        }
    }

    @Override
    public void close() throws Exception {
        lock.close();
    }
}
