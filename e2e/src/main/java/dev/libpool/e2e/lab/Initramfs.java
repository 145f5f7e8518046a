package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The test guests' initramfs (cpio newc, gzip): static busybox, the kernel modules that the root disk and
 * the pool need (with their dependencies from modules.dep, loaded in dependency order) and an /init that
 * mounts the root disk and switches to it.
 */
public final class Initramfs {
    /**
     * What the guests need that the Debian kernel builds as modules; dependencies are added from modules.dep.
     * virtio_balloon: KubeVirt gives every VM a balloon with free page reporting, so a guest hands the pages it
     * frees back to the host; the lab's guests do the same.
     */
    static final List<String> MODULES = List.of(
            "virtio_pci", "virtio_blk", "crc32c_generic", "ext4", "virtio_pmem", "nd_pmem", "erofs", "virtio_balloon");
    private static final Path BUSYBOX = Path.of("/bin/busybox");
    private static final String INIT = "/dev/libpool/e2e/lab/initramfs-init.sh";

    private Initramfs() {
    }

    public static Path build(GuestKernel kernel, Path cacheDir, Progress progress) {
        String init = Resources.text(INIT);
        Path image = cacheDir.resolve("initramfs-" + Resources.key(kernel.release(), init, MODULES.toString())
                + ".cpio.gz");
        if (Files.exists(image)) {
            return image;
        }
        progress.step("initramfs", "building " + image.getFileName());
        Path staging = cacheDir.resolve("initramfs.staging");
        try {
            Command.run(Duration.ofMinutes(1), "rm", "-rf", staging.toString());
            Files.createDirectories(staging.resolve("bin"));
            Files.createDirectories(staging.resolve("lib/modules"));
            Files.copy(BUSYBOX, staging.resolve("bin/busybox"));
            Files.writeString(staging.resolve("init"), init);
            Files.setPosixFilePermissions(staging.resolve("init"), PosixFilePermissions.fromString("rwxr-xr-x"));
            List<String> order = loadOrder(kernel.modulesDir());
            List<String> names = new ArrayList<>();
            for (String module : order) {
                Path name = Path.of(module).getFileName();
                Files.copy(kernel.modulesDir().resolve(module), staging.resolve("lib/modules").resolve(name),
                        StandardCopyOption.REPLACE_EXISTING);
                names.add(name.toString());
            }
            Files.write(staging.resolve("lib/modules/load-order"), names);
            Path partial = Path.of(image + ".partial");
            Command.shell(Duration.ofMinutes(2), "cd '" + staging + "' && find . | cpio -o -H newc --quiet | gzip -6 > '"
                    + partial + "'");
            Files.move(partial, image);
            Command.run(Duration.ofMinutes(1), "rm", "-rf", staging.toString());
            return image;
        } catch (IOException e) {
            throw new LabException("cannot build the initramfs in " + staging + ": " + e.getMessage(), e);
        }
    }

    /** The module files (relative to modulesDir) for {@link #MODULES}, every dependency before its user. */
    static List<String> loadOrder(Path modulesDir) throws IOException {
        Map<String, List<String>> deps = new HashMap<>();
        Map<String, String> byName = new HashMap<>();
        for (String line : Files.readAllLines(modulesDir.resolve("modules.dep"))) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String file = line.substring(0, colon);
            String rest = line.substring(colon + 1).strip();
            deps.put(file, rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
            byName.put(moduleName(file), file);
        }
        Set<String> builtin = new LinkedHashSet<>();
        Path builtinList = modulesDir.resolve("modules.builtin");
        if (Files.exists(builtinList)) {
            Files.readAllLines(builtinList).forEach(f -> builtin.add(moduleName(f)));
        }
        Set<String> order = new LinkedHashSet<>();
        for (String module : MODULES) {
            String file = byName.get(module);
            if (file == null) {
                if (builtin.contains(module)) {
                    continue;
                }
                throw new LabException("kernel module " + module + " is neither in " + modulesDir
                        + "/modules.dep nor built in");
            }
            addWithDependencies(file, deps, order);
        }
        return List.copyOf(order);
    }

    private static void addWithDependencies(String file, Map<String, List<String>> deps, Set<String> order) {
        if (order.contains(file)) {
            return;
        }
        // modules.dep lists the full transitive closure, the deepest dependency last.
        List<String> needed = new ArrayList<>(deps.getOrDefault(file, List.of()));
        java.util.Collections.reverse(needed);
        for (String dep : needed) {
            addWithDependencies(dep, deps, order);
        }
        order.add(file);
    }

    private static String moduleName(String file) {
        String name = Path.of(file).getFileName().toString();
        return name.substring(0, name.indexOf(".ko")).replace('-', '_');
    }
}
