package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What GuestLab and DebianLab share: the guests they started, the pool and the private libvirtd, and closing them in
 * that order, once, also when the JVM is interrupted (shutdown hook).
 */
public abstract class Lab<G extends LabGuest> implements AutoCloseable {
    protected final LabOptions options;
    protected final Progress progress;
    protected final List<G> guests = new ArrayList<>();
    protected PoolHost pool;
    protected LibvirtDaemon libvirt;
    private final String name;
    private ShutdownCleanup cleanup;
    private boolean closed;

    Lab(String name, LabOptions options, Progress progress) {
        this.name = name;
        this.options = options;
        this.progress = progress;
    }

    /** Registers the cleanup, then prepares {@code lab}; a failure closes what was started and is rethrown. */
    static <L extends Lab<?>> L open(L lab) {
        Lab<?> base = lab;
        base.cleanup = new ShutdownCleanup("libpool-e2e-" + base.name.replace(' ', '-') + "-cleanup", base::close);
        try {
            base.prepare();
            return lab;
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
    }

    /** Builds or takes from the cache what the guests need, publishes the pool, starts libvirt. */
    abstract void prepare();

    /** Runs {@code build} holding the cache's lock: one builder at a time per cache (the demo and a test may start together). */
    void underCacheLock(Runnable build) {
        Path lock = options.cacheDir().resolve(".lock");
        try (FileChannel lockFile = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lockFile.lock()) {
            build.run();
        } catch (IOException e) {
            throw new LabException("cannot lock " + lock + ": " + e.getMessage(), e);
        }
    }

    public Progress progress() {
        return progress;
    }

    /** Host memory of {@code of} (their QEMUs) and of the pool. */
    public HostMemory measure(List<G> of) {
        List<Long> pids = of.stream().map(g -> g.qemuPid().orElseThrow(() ->
                new LabException(g + " has no QEMU pid: is it still running?"))).toList();
        return HostMemory.measure(pids, Optional.ofNullable(pool).map(PoolHost::usage));
    }

    /** Destroys a guest's domain if it still runs (its QEMU exits), then {@link #destroyed}. */
    public void destroy(G guest) {
        if (guest.running()) {
            progress.step("guest " + guest.name(), "virsh destroy");
            libvirt.virshResult("destroy", guest.domain());
        }
        guests.remove(guest);
        destroyed(guest);
    }

    /** What a lab removes of a destroyed guest besides its domain; nothing by default. */
    void destroyed(G guest) {
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        cleanup.release();
        progress.step(name, "cleaning up: guests, libvirtd, pool tmpfs");
        for (G guest : List.copyOf(guests)) {
            destroy(guest);
        }
        if (libvirt != null) {
            libvirt.close();
        }
        if (pool != null) {
            pool.close();
        }
    }
}
