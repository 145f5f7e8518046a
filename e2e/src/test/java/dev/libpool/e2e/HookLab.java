package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.libpool.e2e.lab.Command;
import dev.libpool.e2e.lab.KubeVirtHook;
import dev.libpool.e2e.lab.LibvirtDaemon;
import dev.libpool.e2e.lab.Progress;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The hook's E2E tests' lab: the real onDefineDomain hook and a private real libvirtd with their files in a work
 * directory. QEMU starts each domain (TCG); no guest kernel is needed, so no guest lab either.
 */
record HookLab(Path work, KubeVirtHook hook, LibvirtDaemon libvirt) implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Starts libvirtd, or skips {@code test} (a JUnit assumption, said on the console too) saying what is missing. */
    static HookLab start(String test, Path work) throws IOException {
        Optional<String> missing = missing();
        missing.ifPresent(reason -> System.out.println(test + " skipped: " + reason));
        assumeTrue(missing.isEmpty(), () -> test + " skipped: " + missing.orElse(""));
        Files.createDirectories(work);
        KubeVirtHook hook = new KubeVirtHook(work);
        return new HookLab(work, hook, LibvirtDaemon.start(work.resolve("libvirt"), Progress.toStdout(), true));
    }

    /** Writes the domain into the work directory and starts it (virsh create). */
    Command.Result create(String name, String xml) throws IOException {
        Path file = work.resolve(name + ".xml");
        Files.writeString(file, xml);
        return libvirt.virshResult("create", file.toString());
    }

    /** A sparse file of {@code size} bytes (a disk QEMU opens); read-only as the node daemon publishes a pool file. */
    static Path sparseFile(Path file, long size, boolean readOnly) throws IOException {
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        if (readOnly) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r--r--"));
        }
        return file;
    }

    /** The answer of QEMU's monitor to COMMAND for DOMAIN (QMP through libvirt). */
    JsonNode qmp(String domain, String command) throws IOException {
        String reply = libvirt.virsh("qemu-monitor-command", domain, "{\"execute\":\"" + command + "\"}");
        return JSON.readTree(reply).path("return");
    }

    /** Slot to qdev id (libvirt's alias, or the -device id) of every function-0 device on bus 0, from QEMU. */
    static Map<Integer, String> rootBusDevices(JsonNode queryPci) {
        Map<Integer, String> slots = new TreeMap<>();
        for (JsonNode bus : queryPci) {
            if (bus.path("bus").asInt(-1) != 0) {
                continue;
            }
            for (JsonNode device : bus.path("devices")) {
                if (device.path("function").asInt() == 0) {
                    slots.put(device.path("slot").asInt(), device.path("qdev_id").asText());
                }
            }
        }
        return slots;
    }

    /** Destroys every domain, stops libvirtd. */
    @Override
    public void close() {
        libvirt.close();
    }

    private static Optional<String> missing() {
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
}
