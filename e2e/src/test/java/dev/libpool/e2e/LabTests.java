package dev.libpool.e2e;

import dev.libpool.e2e.lab.GuestKernel;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.Progress;

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
