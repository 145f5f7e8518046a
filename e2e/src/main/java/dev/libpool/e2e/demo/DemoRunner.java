package dev.libpool.e2e.demo;

import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestConsole;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.LabException;
import dev.libpool.e2e.lab.GuestSpec;
import dev.libpool.e2e.lab.Progress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Runs the demo's modes on one {@link GuestLab}: per mode, KSM set for it, an idle sample, then guest after
 * guest booted, each followed by samples every second until the figures settle; then the mode's guests
 * are destroyed. {@link #close()} (also the Ctrl-C hook) destroys the guests, stops libvirt, unmounts the
 * pool, restores KSM and removes the work directory.
 */
final class DemoRunner implements AutoCloseable {

    /** The pool the demo builds, as a user would write it; ./libpool runs from the repository root. */
    static final Path POOL_MANIFEST = Path.of("examples/demo-pool.yaml");
    static final Duration READY_TIMEOUT = Duration.ofMinutes(5);
    static final Duration SAMPLE_PERIOD = Duration.ofSeconds(1);
    static final Duration PROGRESS_PERIOD = Duration.ofSeconds(5);
    /** Memory freed by the previous mode's QEMUs is back within this pause. */
    static final Duration IDLE_PAUSE = Duration.ofSeconds(2);
    static final long MAX_KSM_WAIT_MILLIS = 90_000;

    private final DemoSettings settings;
    private final Progress progress;
    private final Path workDir;
    private final KsmSwitch ksm;
    private final Settling settling = new Settling(MAX_KSM_WAIT_MILLIS);
    private volatile boolean stopping;
    /** run() got to its end: a close() before that is an interruption (Ctrl-C) or a failure to open the lab. */
    private volatile boolean finished;
    private final LabPerMedium labs;
    /** The lab of the mode running now. */
    private volatile GuestLab lab;
    private boolean closed;
    /** A mode failed (not interrupted): its consoles and libvirt logs in the work dir say why. */
    private volatile boolean failed;
    private volatile boolean interrupted;

    /**
     * @param workDir     this run's lab directory (disks, consoles, libvirt and pool state), removed at the end
     * @param ksmStateDir where the host's KSM values are saved until restored
     */
    DemoRunner(DemoSettings settings, Progress progress, Path workDir, Path ksmStateDir) {
        this.settings = settings;
        this.progress = progress;
        this.workDir = workDir;
        this.ksm = new KsmSwitch(ksmStateDir);
        this.labs = new LabPerMedium(workDir, POOL_MANIFEST.toAbsolutePath(), progress);
    }

    /**
     * Runs every mode, each on a lab whose pool is on the mode's medium (own-disk modes run on whichever lab is
     * open); a mode that fails is recorded with its error and the next one runs.
     */
    DemoRecord run(MachineInfo machine) {
        long started = System.currentTimeMillis();
        List<ModeRun> runs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < settings.modes().size() && !stopping; i++) {
            Mode mode = settings.modes().get(i);
            PoolMedium medium = mode.usesPool() ? mode.medium() : nextMedium(i);
            Optional<String> whyNot = labs.open(medium);
            if (whyNot.isPresent()) {
                progress.step("mode " + mode.id(), "NOT RUN: " + whyNot.get());
                skipped.add(mode.label() + ": not run: " + whyNot.get());
                continue;
            }
            lab = labs.lab();
            runs.add(runMode(mode, new HostSampler(lab, ksm)));
        }
        finished = true;
        return new DemoRecord(machine, settings, started, runs, skipped);
    }

    /** The medium of the next pool mode from index {@code from} on, so own-disk modes share its lab. */
    private PoolMedium nextMedium(int from) {
        if (labs.medium() != null) {
            return labs.medium();
        }
        return settings.modes().subList(from, settings.modes().size()).stream().filter(Mode::usesPool)
                .map(Mode::medium).findFirst().orElse(PoolMedium.PageCache);
    }

    private ModeRun runMode(Mode mode, HostSampler sampler) {
        String who = "mode " + mode.id();
        List<Sample> samples = new ArrayList<>();
        List<Long> ready = new ArrayList<>();
        List<GuestBoot> boots = new ArrayList<>();
        List<Guest> guests = new ArrayList<>();
        long start = System.currentTimeMillis();
        try {
            progress.step(who, "start: " + settings.guests() + " guest(s), " + DemoPlan.what(mode));
            progress.step(who, "KSM: " + ksm.setFor(mode));
            sleep(IDLE_PAUSE);
            samples.add(sampler.sample(mode, guests, 0));
            start = System.currentTimeMillis();
            for (int k = 1; k <= settings.guests() && !stopping; k++) {
                Guest guest = lab.boot(spec(mode, k));
                guests.add(guest);
                boots.add(awaitBoot(mode, guest, k, false));
                ready.add(System.currentTimeMillis());
                Sample settled = settle(who, mode, sampler, guests, samples);
                if (mode.usesPool() && settled != null && settled.poolMappers() < guests.size()) {
                    throw new LabException(who + ": " + guests.size() + " guests attached, but only "
                            + settled.poolMappers() + " QEMU(s) map the pool file on the host");
                }
            }
            if (mode.usesPool() && !stopping && !guests.isEmpty()) {
                // The same guest again on its own disk: its attach finds what the first boot verified.
                Guest again = lab.reboot(guests.get(0));
                guests.set(0, again);
                boots.add(awaitBoot(mode, again, 1, true));
            }
            return new ModeRun(mode, start, ready, samples, stopping ? "interrupted" : null, boots);
        } catch (RuntimeException e) {
            if (stopping) {
                // Ctrl-C: the cleanup destroyed the guests under this mode; that is no failure to explain.
                progress.step(who, "interrupted");
                return new ModeRun(mode, start, ready, samples, "interrupted", boots);
            }
            progress.step(who, "FAILED: " + e.getMessage());
            failed = true;
            return new ModeRun(mode, start, ready, samples,
                    String.valueOf(e.getMessage()).lines().findFirst().orElse(""), boots);
        } finally {
            destroy(guests);
        }
    }

    /** Waits for ready and checks the boot (a pool guest must have attached: {@link AttachCheck}). */
    private GuestBoot awaitBoot(Mode mode, Guest guest, int k, boolean second) {
        GuestConsole console = guest.awaitReady(progress, READY_TIMEOUT);
        double seconds = guest.bootTime().map(d -> d.toMillis() / 1000.0).orElse(Double.NaN);
        GuestBoot boot = AttachCheck.check(mode, k, second, seconds, console);
        progress.step("guest " + guest.spec().name(), String.format(Locale.ROOT,
                "%sready after %.1f s; attach %.1f s: %d files from the pool (%d verified from cache, %d read)",
                second ? "second boot " : "", boot.bootSeconds(), boot.attachSeconds(), boot.attachedFiles(),
                boot.verifiedFromCache(), boot.verifiedByReading()));
        return boot;
    }

    private GuestSpec spec(Mode mode, int k) {
        return new GuestSpec("demo-" + mode.id().replace('+', '-') + "-" + k, mode.usesPool(), settings.memMiB(),
                mode.sharedMemfd(), Optional.empty());
    }

    /**
     * Samples every second until {@link Settling} says the guests' figures settled, saying how they move; returns
     * the settled sample (null when stopped).
     */
    private Sample settle(String who, Mode mode, HostSampler sampler, List<Guest> guests, List<Sample> samples) {
        List<Sample> sinceReady = new ArrayList<>();
        long nextProgress = System.nanoTime() + PROGRESS_PERIOD.toNanos();
        while (!stopping) {
            Sample sample = sampler.sample(mode, guests, guests.size());
            samples.add(sample);
            sinceReady.add(sample);
            String settled = settling.settled(mode, sinceReady);
            if (settled != null) {
                progress.step(who, guests.size() + " guest(s): " + figures(sample) + " - " + settled);
                return sample;
            }
            if (System.nanoTime() >= nextProgress) {
                progress.step(who, "measuring " + guests.size() + " guest(s): " + figures(sample)
                        + (mode.usesKsm() ? " - waiting for KSM to converge" : " - waiting for memory to settle"));
                nextProgress = System.nanoTime() + PROGRESS_PERIOD.toNanos();
            }
            sleep(SAMPLE_PERIOD);
        }
        return null;
    }

    private static String figures(Sample s) {
        return String.format(Locale.ROOT, "QEMU PSS %s MiB, footprint %s MiB, KSM profit %s MiB, ksmd %.1f s CPU",
                Units.mib(s.qemuPssBytes()), Units.mib(s.footprintBytes()), Units.mib(s.ksmProfitBytes()),
                s.ksmdCpuSeconds());
    }

    private void destroy(List<Guest> guests) {
        if (stopping) {
            return; // close() destroys every guest of the lab
        }
        for (Guest guest : guests) {
            try {
                lab.destroy(guest);
            } catch (RuntimeException e) {
                progress.step("guest " + guest.spec().name(), "could not destroy: " + e.getMessage());
            }
        }
    }

    /** Idempotent; runs at the end of {@link #run}, on failure and from the Ctrl-C hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        interrupted = !finished;
        stopping = true;
        closed = true;
        labs.close();
        progress.step("ksm", "restoring the host's KSM settings: " + ksm.restore());
        removeWorkDir(interrupted);
    }

    /** True when close() came before run() ended: Ctrl-C (or a failure to open the lab). */
    boolean interrupted() {
        return interrupted;
    }

    /**
     * Removes the work directory, unless something is still mounted there or a mode failed in a run that was
     * not interrupted (its consoles explain why).
     */
    private void removeWorkDir(boolean interrupted) {
        try {
            List<String> mounted = Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                    .map(l -> l.split(" ")[1])
                    .filter(m -> m.startsWith(workDir.toString()))
                    .toList();
            if (!mounted.isEmpty()) {
                progress.step("cleanup", "NOT removing " + workDir + ": still mounted: " + mounted);
            } else if (failed && !interrupted) {
                progress.step("cleanup", "keeping " + workDir + " (guest consoles, libvirt logs) because a mode failed");
            } else {
                try (Stream<Path> files = Files.walk(workDir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                progress.step("cleanup", "removed " + workDir);
            }
        } catch (IOException e) {
            progress.step("cleanup", "could not remove " + workDir + ": " + e.getMessage());
        }
    }

    private void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
