package dev.libpool.e2e;

import dev.libpool.e2e.lab.DebianLab;
import dev.libpool.e2e.lab.DistroGuest;
import dev.libpool.e2e.lab.DistroProbe;
import dev.libpool.e2e.lab.GuestKernel;
import dev.libpool.e2e.lab.HostMemory;
import dev.libpool.e2e.lab.LabException;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.Progress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The one life of a real Debian 12 cloud guest that every Debian*E2E class asserts on: systemd + cloud-init
 * under TCG take minutes per boot, so the guest boots twice in all, in one JVM, and the classes share the
 * result. Boot 1: cloud-init's first boot (the merged user data runs the libpool bootstrap with
 * --install), the probe reports, the guest reboots. Boot 2: the early-boot unit attaches, the probe
 * reports, runs apt (--reinstall, then an upgrade with a changed library) and the detach, and powers off.
 */
final class DebianGuestRun {
    /** The user's own user data; libpool's setup is merged into it by CloudInitBootstrap. */
    static final String USER_DATA = """
            #cloud-config
            # the user's own settings: the merge keeps them
            ssh_pwauth: false
            """;
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(15);
    private static DebianGuestRun shared;
    private static RuntimeException failure;
    private static String skipped;

    final DistroProbe probe;
    final String userData;
    final String libraryRealPath;
    final Duration toFirstProbe;
    final Duration toSecondProbe;
    final Duration total;
    final HostMemory secondBootMemory;

    private DebianGuestRun(DistroProbe probe, String userData, String libraryRealPath, Duration toFirstProbe,
                           Duration toSecondProbe, Duration total, HostMemory secondBootMemory) {
        this.probe = probe;
        this.userData = userData;
        this.libraryRealPath = libraryRealPath;
        this.toFirstProbe = toFirstProbe;
        this.toSecondProbe = toSecondProbe;
        this.total = total;
        this.secondBootMemory = secondBootMemory;
    }

    /** The shared run (booting it on first use); skips the calling test with the reason when it cannot run. */
    static synchronized DebianGuestRun get(String testClass) {
        if (skipped == null && shared == null && failure == null) {
            Optional<String> missing = DebianLab.missingPrerequisites();
            if (missing.isPresent()) {
                skipped = missing.get();
            } else {
                try {
                    shared = run();
                } catch (GuestKernel.Unavailable e) {
                    skipped = "the Debian image cannot be built: " + e.getMessage();
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
        }
        if (skipped != null) {
            System.out.println(testClass + " skipped: " + skipped);
            assumeTrue(false, testClass + " skipped: " + skipped);
        }
        if (failure != null) {
            throw new AssertionError("the Debian guest run failed: " + failure.getMessage(), failure);
        }
        return shared;
    }

    private static DebianGuestRun run() {
        long start = System.nanoTime();
        Progress progress = Progress.toStdout();
        Path work = Path.of("target/e2e-debian").toAbsolutePath();
        try (DebianLab lab = DebianLab.open(LabOptions.withPool(work).withoutHugePages(), progress)) {
            DistroGuest guest = lab.boot("debian", true, DebianLab.DEFAULT_MEMORY_MIB, USER_DATA, true);
            Duration first = guest.await(1, "start", progress, BOOT_TIMEOUT);
            Duration rebooting = guest.await(1, "rebooting", progress, BOOT_TIMEOUT);
            Duration second = guest.await(2, "mem", progress, BOOT_TIMEOUT);
            HostMemory memory = lab.measure(List.of(guest));
            progress.step("figures", "Debian guest, boot 2, before apt: " + memory);
            guest.await(2, "done", progress, BOOT_TIMEOUT);
            guest.awaitPowerOff(progress, Duration.ofMinutes(2));
            String userData = java.nio.file.Files.readString(work.resolve("debian/debian.user-data"));
            Duration total = Duration.ofNanos(System.nanoTime() - start);
            progress.step("figures", "Debian guest: virsh create -> first-boot probe " + seconds(first)
                    + ", reboot -> second-boot probe " + seconds(second.minus(rebooting)) + ", whole run "
                    + seconds(total) + " (TCG); user data " + userData.length() + " bytes");
            return new DebianGuestRun(guest.probe(), userData, lab.image().upgradeLibraryRealPath(), first,
                    second.minus(rebooting), total, memory);
        } catch (java.io.IOException e) {
            throw new LabException("cannot read the guest's user data: " + e.getMessage(), e);
        }
    }

    private static String seconds(Duration duration) {
        return String.format("%.1f s", duration.toMillis() / 1000.0);
    }
}
