package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Debian guest kernel of the test guests: the linux-image-ABI-amd64 package that the meta package
 * linux-image-amd64 currently names (the ABI moves with security updates), downloaded with
 * {@code apt-get download} and unpacked with {@code dpkg-deb -x} into the cache, never installed on the host.
 *
 * @param release    the kernel release, e.g. 6.1.0-56-amd64
 * @param vmlinuz    the kernel image
 * @param modulesDir lib/modules/RELEASE inside the unpacked package, with a modules.dep made by depmod
 */
public record GuestKernel(String release, Path vmlinuz, Path modulesDir) {
    private static final Pattern DEPENDS = Pattern.compile("Depends:\\s+linux-image-(\\S+-amd64)\\b");
    private static final Duration APT_TIMEOUT = Duration.ofMinutes(5);

    /** The kernel could not be found or downloaded (no network, no apt): tests skip, the demo stops. */
    public static final class Unavailable extends LabException {
        Unavailable(String message) {
            super(message);
        }
    }

    public static GuestKernel fetch(Path cacheDir, Progress progress) {
        String release = currentRelease(progress);
        Path root = cacheDir.resolve("kernel").resolve(release);
        Path complete = root.resolve(".complete");
        if (!Files.exists(complete)) {
            progress.step("kernel", "downloading linux-image-" + release + " (apt-get download)");
            unpack(release, root);
            write(complete, release);
        }
        GuestKernel kernel = new GuestKernel(release, root.resolve("x/boot/vmlinuz-" + release),
                root.resolve("x/lib/modules/" + release));
        progress.step("kernel", release + " at " + kernel.vmlinuz());
        return kernel;
    }

    private static String currentRelease(Progress progress) {
        Optional<String> release = lookUpRelease();
        if (release.isEmpty()) {
            progress.step("kernel", "apt-cache does not know linux-image-amd64; running apt-get update");
            Command.Result update = Command.exec(APT_TIMEOUT, "apt-get", "update", "-qq");
            if (!update.ok()) {
                throw new Unavailable("apt-get update failed: " + Command.tail(update.stderr()));
            }
            release = lookUpRelease();
        }
        return release.orElseThrow(() ->
                new Unavailable("apt-cache depends linux-image-amd64 names no linux-image-<abi>-amd64 package"));
    }

    private static Optional<String> lookUpRelease() {
        Command.Result depends = Command.exec(Duration.ofMinutes(1), "apt-cache", "depends", "linux-image-amd64");
        Matcher matcher = DEPENDS.matcher(depends.stdout());
        return depends.ok() && matcher.find() ? Optional.of(matcher.group(1)) : Optional.empty();
    }

    private static void unpack(String release, Path root) {
        try {
            Path debs = root.resolve("deb");
            Path staging = root.resolve("x.partial");
            Files.createDirectories(debs);
            Command.Result download = Command.exec(APT_TIMEOUT, "/bin/sh", "-c",
                    "cd '" + debs + "' && apt-get download -q linux-image-" + release);
            if (!download.ok()) {
                throw new Unavailable("apt-get download linux-image-" + release + " failed: "
                        + Command.tail(download.stderr()));
            }
            Path deb;
            try (Stream<Path> files = Files.list(debs)) {
                deb = files.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new Unavailable("apt-get download left no .deb in " + debs));
            }
            Command.run(Duration.ofMinutes(1), "rm", "-rf", staging.toString(), root.resolve("x").toString());
            Command.run(Duration.ofMinutes(3), "dpkg-deb", "-x", deb.toString(), staging.toString());
            // The package has no modules.dep (the postinst makes it): run depmod on the unpacked tree only.
            Command.run(Duration.ofMinutes(2), "depmod", "-b", staging.toString(), release);
            Files.move(staging, root.resolve("x"));
            Files.delete(deb);
        } catch (IOException e) {
            throw new LabException("cannot unpack the guest kernel into " + root + ": " + e.getMessage(), e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new LabException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
