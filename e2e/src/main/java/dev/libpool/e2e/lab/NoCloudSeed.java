package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A cloud-init NoCloud seed: an ISO 9660 image labelled {@code cidata} holding {@code user-data} and
 * {@code meta-data} (genisoimage), the way KubeVirt's cloudInitNoCloud volume reaches a guest.
 */
final class NoCloudSeed {
    private NoCloudSeed() {
    }

    /** Writes the seed of {@code instanceId} with {@code userData} to {@code iso}. */
    static Path write(Path iso, String instanceId, String hostname, String userData) {
        try {
            Path dir = Files.createTempDirectory("libpool-e2e-seed");
            try {
                Files.writeString(dir.resolve("user-data"), userData);
                Files.writeString(dir.resolve("meta-data"), "instance-id: " + instanceId + "\nlocal-hostname: "
                        + hostname + "\n");
                Files.deleteIfExists(iso);
                Command.run(Duration.ofMinutes(1), "genisoimage", "-quiet", "-output", iso.toString(), "-volid",
                        "cidata", "-joliet", "-rock", dir.resolve("user-data").toString(),
                        dir.resolve("meta-data").toString());
                return iso;
            } finally {
                Command.run(Duration.ofMinutes(1), "rm", "-rf", dir.toString());
            }
        } catch (IOException e) {
            throw new LabException("cannot write the NoCloud seed " + iso + ": " + e.getMessage(), e);
        }
    }
}
