package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A running test guest: its libvirt domain, QEMU process and serial console. */
public final class Guest implements LabGuest {
    private final GuestSpec spec;
    private final String domain;
    private final Path serialLog;
    private final Path disk;
    private final LibvirtDaemon libvirt;
    private final long startNanos = System.nanoTime();
    private Duration bootTime;

    Guest(GuestSpec spec, String domain, Path serialLog, Path disk, LibvirtDaemon libvirt) {
        this.spec = spec;
        this.domain = domain;
        this.serialLog = serialLog;
        this.disk = disk;
        this.libvirt = libvirt;
    }

    public GuestSpec spec() {
        return spec;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public String domain() {
        return domain;
    }

    public Path serialLog() {
        return serialLog;
    }

    Path disk() {
        return disk;
    }

    /** The console as printed so far. */
    public GuestConsole console() {
        try {
            return new GuestConsole(Files.exists(serialLog)
                    ? new String(Files.readAllBytes(serialLog), StandardCharsets.UTF_8) : "");
        } catch (IOException e) {
            throw new LabException("cannot read " + serialLog + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<Long> qemuPid() {
        return libvirt.qemuPid(domain);
    }

    /** From {@code virsh create} to "LIBPOOL-E2E ready" (attach, workload and inspection done). */
    public Optional<Duration> bootTime() {
        return Optional.ofNullable(bootTime);
    }

    /**
     * Waits until the guest printed "ready", announcing each phase as it is reached.
     *
     * @throws LabException on timeout, on a fatal console line or when QEMU exits, with the console tail
     */
    public GuestConsole awaitReady(Progress progress, Duration timeout) {
        String who = "guest " + spec.name();
        String[] lastPhase = {""};
        GuestConsole console = progress.await(who, "ready", timeout, () -> {
            GuestConsole now = console();
            String phase = now.phase();
            if (!phase.equals(lastPhase[0])) {
                lastPhase[0] = phase;
                progress.step(who, "phase " + phase);
            }
            Optional<String> fatal = now.fatal();
            if (fatal.isPresent()) {
                throw new LabException(who + " failed: " + fatal.get() + "\n--- console tail ---\n" + now.tail(40));
            }
            if (now.ready()) {
                return Optional.of(now);
            }
            if (!running()) {
                throw new LabException(who + ": QEMU is gone before ready\n--- console tail ---\n" + now.tail(40)
                        + "\n--- QEMU log ---\n" + libvirt.qemuLogTail(domain));
            }
            return Optional.empty();
        }, () -> "[phase " + lastPhase[0] + "] " + console().lastLine());
        bootTime = Duration.ofNanos(System.nanoTime() - startNanos);
        return console;
    }

    @Override
    public String toString() {
        return "guest " + spec.name() + " (" + (spec.pool() ? "pool" : "own disk") + ", domain " + domain + ")";
    }
}
