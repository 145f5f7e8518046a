package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** A running distribution guest: its domain, console, probe output and when the host saw each probe step. */
public final class DistroGuest implements LabGuest {
    private static final Pattern CLOUD_INIT_FINISHED = Pattern.compile("Cloud-init v\\. \\S+ finished at");
    private final String name;
    private final String domain;
    private final Path console;
    private final Path probeLog;
    private final LibvirtDaemon libvirt;
    private final long startNanos = System.nanoTime();
    private final Map<String, Duration> seen = new HashMap<>();

    DistroGuest(String name, String domain, Path console, Path probeLog, LibvirtDaemon libvirt) {
        this.name = name;
        this.domain = domain;
        this.console = console;
        this.probeLog = probeLog;
        this.libvirt = libvirt;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public Optional<Long> qemuPid() {
        return libvirt.qemuPid(domain);
    }

    public DistroProbe probe() {
        return DistroProbe.parse(read(probeLog));
    }

    /** The last lines of the guest's console. */
    public String consoleTail(int lines) {
        String[] all = read(console).split("\\r?\\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    /**
     * Waits until boot {@code boot} printed {@code key}; also returns when the guest's QEMU exited
     * (a powered-off guest has printed all it will), failing if the key is still missing.
     *
     * @return the time from {@code virsh create} until the host saw the line
     */
    public Duration await(int boot, String key, Progress progress, Duration timeout) {
        String who = "guest " + name;
        progress.await(who, "boot " + boot + " '" + key + "'", timeout, () -> {
            DistroProbe now = probe();
            if (now.has(boot, key)) {
                return Optional.of(true);
            }
            if (!running()) {
                throw new LabException(who + ": QEMU is gone before boot " + boot + " printed '" + key + "'\n"
                        + "--- probe ---\n" + now.lines() + "\n--- console tail ---\n" + consoleTail(40));
            }
            return Optional.empty();
        }, () -> lastLine(read(console)));
        return seen.computeIfAbsent(boot + " " + key, k -> Duration.ofNanos(System.nanoTime() - startNanos));
    }

    /**
     * Waits until cloud-init says it finished on the console (the end of the boot for a guest without the
     * probe); returns the time from {@code virsh create}.
     */
    public Duration awaitCloudInitFinished(Progress progress, Duration timeout) {
        String who = "guest " + name;
        progress.await(who, "cloud-init to finish", timeout, () -> {
            if (CLOUD_INIT_FINISHED.matcher(read(console)).find()) {
                return Optional.of(true);
            }
            if (!running()) {
                throw new LabException(who + ": QEMU is gone before cloud-init finished\n--- console tail ---\n"
                        + consoleTail(40));
            }
            return Optional.empty();
        }, () -> lastLine(read(console)));
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** Waits until QEMU has exited (the guest powered off). */
    public void awaitPowerOff(Progress progress, Duration timeout) {
        progress.await("guest " + name, "power off", timeout,
                () -> running() ? Optional.empty() : Optional.of(true), () -> lastLine(read(console)));
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\\r?\\n");
        String last = lines[lines.length - 1];
        return last.length() > 160 ? last.substring(0, 160) + "..." : last;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new LabException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "Debian guest " + name + " (domain " + domain + ")";
    }
}
