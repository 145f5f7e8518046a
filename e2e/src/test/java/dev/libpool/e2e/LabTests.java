package dev.libpool.e2e;

import dev.libpool.e2e.lab.Command;
import dev.libpool.e2e.lab.GuestKernel;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.Progress;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * How an E2E test gets its guest lab: skipped (a JUnit assumption, said on the console too, since surefire only
 * counts skips) when this host cannot boot guests, saying what is missing.
 */
final class LabTests {
    private LabTests() {
    }

    /** Skips {@code test} unless this host can boot guests. */
    static void assumeGuests(String test) {
        Optional<String> missing = GuestLab.missingPrerequisites();
        missing.ifPresent(reason -> System.out.println(test + " skipped: " + reason));
        assumeTrue(missing.isEmpty(), () -> test + " skipped: " + missing.orElse(""));
    }

    /**
     * Skips {@code test} unless this host can run a private libvirtd with QEMU (no guest kernel needed): root, the
     * libvirt and QEMU programs, python3 for the hook.
     */
    static void assumeLibvirt(String test) {
        Optional<String> missing = missingLibvirt();
        missing.ifPresent(reason -> System.out.println(test + " skipped: " + reason));
        assumeTrue(missing.isEmpty(), () -> test + " skipped: " + missing.orElse(""));
    }

    private static Optional<String> missingLibvirt() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("not root (needs a private libvirtd and QEMU)");
        }
        for (String tool : List.of("qemu-system-x86_64", "libvirtd", "virtlogd", "virsh", "unshare")) {
            if (!Command.exec(Duration.ofSeconds(10), "/bin/sh", "-c", "command -v " + tool).ok()) {
                return Optional.of(tool + " is not installed (run ./libpool test, which installs the packages)");
            }
        }
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? Optional.empty()
                : Optional.of("/usr/bin/python3 is missing (Debian package python3)");
    }

    /** Opens the lab, or skips {@code test} when the guest kernel cannot be downloaded. */
    static GuestLab open(String test, LabOptions options, Progress progress) {
        try {
            return GuestLab.open(options, progress);
        } catch (GuestKernel.Unavailable e) {
            System.out.println(test + " skipped: the guest kernel cannot be downloaded: " + e.getMessage());
            assumeTrue(false, "guest kernel unavailable: " + e.getMessage());
            throw e;
        }
    }
}
