package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The test guests' root: a tree of real library-heavy host programs (python3 with its extension modules,
 * perl with XS modules, gdb, qemu-system-x86_64, ...) and every library they need, plus the guest init,
 * the workload and the libpool bootstrap. The same tree is the pool's source root, so the guests' files
 * are byte-identical to the pool's. The tree is an ext4 image ({@code mke2fs -d}); each guest gets a
 * qcow2 overlay of it, or a private copy when one of its libraries is changed.
 *
 * @param tree  the root tree (pool source)
 * @param image the ext4 image of the tree
 */
public record GuestRoot(Path tree, Path image) {
    /**
     * Host programs the guests run, and single files they load (Debian's QEMU loads its TCG accelerator as
     * a module); those missing on the host are left out (the workload skips them).
     */
    static final List<String> PROGRAMS = List.of("/usr/bin/python3", "/usr/bin/perl", "/usr/bin/gdb",
            "/usr/bin/qemu-system-x86_64", "/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so", "/usr/bin/lli-14",
            "/usr/bin/fincore");
    /** Host directories the programs read at run time, with what to leave out. */
    static final Map<String, List<String>> DIRECTORIES = new TreeMap<>(Map.of(
            "/usr/lib/python3.11", List.of("*/test", "*/idlelib", "*/tkinter", "*/turtledemo", "*/ensurepip",
                    "*/lib2to3", "*/config-3.11-x86_64-linux-gnu", "*/pydoc_data"),
            "/usr/lib/x86_64-linux-gnu/perl", List.of(),
            "/usr/lib/x86_64-linux-gnu/perl-base", List.of(),
            "/usr/share/perl/5.36", List.of(),
            "/usr/share/gdb/python", List.of())); // sorted: its text is part of the cache key
    /** Guest file -> classpath resource of this module. */
    private static final Map<String, String> SCRIPTS = new TreeMap<>(Map.of(
            "usr/sbin/libpool-e2e-init", "/dev/libpool/e2e/lab/guest-init.sh",
            "usr/lib/libpool-e2e/workload.sh", "/dev/libpool/e2e/lab/workload.sh",
            "usr/lib/libpool-e2e/workload.py", "/dev/libpool/e2e/lab/workload.py",
            "usr/lib/libpool-e2e/wait.ll", "/dev/libpool/e2e/lab/wait.ll"));
    /** Where the guest init finds the bootstrap of the guest module. */
    private static final String BOOTSTRAP_GUEST_PATH = "usr/local/sbin/libpool-bootstrap";
    private static final String BOOTSTRAP_RESOURCE = "/dev/libpool/guest/libpool-bootstrap.sh";
    private static final String TREE_VERSION = "tree-v1";

    public static GuestRoot build(Path cacheDir, Progress progress) {
        try {
            Path tree = cacheDir.resolve("root").resolve("tree-" + Resources.key(TREE_VERSION, PROGRAMS.toString(),
                    DIRECTORIES.toString()));
            if (!Files.exists(tree.resolve(".libpool-e2e-complete"))) {
                buildTree(tree, progress);
            }
            String scriptsKey = installScripts(tree);
            Path image = cacheDir.resolve("root").resolve("root-" + Resources.key(tree.toString(), scriptsKey)
                    + ".ext4");
            if (!Files.exists(image)) {
                progress.step("root disk", "mke2fs -d " + tree + " -> " + image.getFileName());
                makeExt4(tree, image);
                removeOtherBuilds(tree, image);
            }
            return new GuestRoot(tree, image);
        } catch (IOException e) {
            throw new LabException("cannot build the guest root under " + cacheDir + ": " + e.getMessage(), e);
        }
    }

    /** Bytes of the regular files named *.so* in the tree: what a pool of it holds, roughly. */
    public long sharedObjectBytes() {
        return sharedObjectBytes(tree);
    }

    static long sharedObjectBytes(Path tree) {
        try (Stream<Path> files = Files.walk(tree)) {
            return files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> p.getFileName().toString().contains(".so"))
                    .mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            throw new LabException("cannot walk " + tree + ": " + e.getMessage(), e);
        }
    }

    /** A copy-on-write disk of the root for one guest (qcow2 over the shared, never-written ext4 image). */
    public Path overlayFor(Path file) {
        return overlay(image, "raw", file);
    }

    /** A new qcow2 {@code file} whose writes stay in it, over {@code backing} (of {@code format}), never written. */
    static Path overlay(Path backing, String format, Path file) {
        Command.run(Duration.ofMinutes(1), "rm", "-f", file.toString());
        Command.run(Duration.ofMinutes(1), "qemu-img", "create", "-q", "-f", "qcow2", "-F", format, "-b",
                backing.toString(), file.toString());
        return file;
    }

    /**
     * A private copy of the root in which the library at {@code guestPath} differs from the pool's
     * ({@link ChangedLibrary}).
     */
    public Path copyWithChangedLibrary(Path file, String guestPath) {
        try {
            Path original = tree.resolve(guestPath.substring(1)).toRealPath();
            byte[] bytes = ChangedLibrary.of(Files.readAllBytes(original), guestPath);
            Path changed = Files.createTempFile("libpool-e2e-changed", ".so");
            Files.write(changed, bytes);
            Command.run(Duration.ofMinutes(2), "cp", "--sparse=always", image.toString(), file.toString());
            Path real = Path.of("/").resolve(tree.relativize(original).toString());
            Path commands = Files.createTempFile("libpool-e2e-debugfs", ".cmd");
            Files.writeString(commands, "cd " + real.getParent() + "\nrm " + real.getFileName() + "\nwrite "
                    + changed + " " + real.getFileName() + "\nsif " + real.getFileName() + " mode 0100644\n");
            Command.run(Duration.ofMinutes(1), "debugfs", "-w", "-f", commands.toString(), file.toString());
            Files.delete(changed);
            Files.delete(commands);
            return file;
        } catch (IOException e) {
            throw new LabException("cannot change " + guestPath + " in a copy of " + image + ": " + e.getMessage(), e);
        }
    }

    /**
     * Earlier trees and images (other programs or scripts) would otherwise pile up in the cache; those
     * of the last hour stay, a lab of another version may still be creating overlays of them.
     */
    private static void removeOtherBuilds(Path tree, Path image) throws IOException {
        FileTime hourAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        try (Stream<Path> entries = Files.list(tree.getParent())) {
            for (Path old : entries.filter(p -> !p.equals(tree) && !p.equals(image))
                    .filter(p -> p.toFile().lastModified() < hourAgo.toMillis()).toList()) {
                Command.run(Duration.ofMinutes(2), "rm", "-rf", old.toString());
            }
        }
    }

    private static void buildTree(Path tree, Progress progress) throws IOException {
        progress.step("root tree", "copying host programs and their libraries into " + tree);
        Command.run(Duration.ofMinutes(2), "rm", "-rf", tree.toString());
        Files.createDirectories(tree);
        HostTreeCopier copier = new HostTreeCopier(tree);
        for (String top : List.of("/bin", "/sbin", "/lib", "/lib64")) {
            copier.mirror(Path.of(top));
        }
        for (String program : PROGRAMS) {
            if (Files.exists(Path.of(program))) {
                copier.mirror(Path.of(program));
            } else {
                progress.step("root tree", program + " is not on this host; the guests run without it");
            }
        }
        for (Map.Entry<String, List<String>> dir : DIRECTORIES.entrySet()) {
            if (Files.isDirectory(Path.of(dir.getKey()))) {
                copier.copyDirectory(Path.of(dir.getKey()), dir.getValue());
            }
        }
        copier.completeLibraries();
        installBusybox(tree);
        for (String dir : List.of("dev", "proc", "sys", "run", "tmp", "root", "etc", "usr/local/sbin")) {
            Files.createDirectories(tree.resolve(dir));
        }
        Files.writeString(tree.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(tree.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(tree.resolve(".libpool-e2e-complete"), TREE_VERSION + "\n");
        progress.step("root tree", "done: " + Command.run(Duration.ofMinutes(1), "du", "-sh", tree.toString()).strip());
    }

    /** Static busybox as /usr/bin/busybox and every applet the tree does not have as a real program. */
    private static void installBusybox(Path tree) throws IOException {
        Path busybox = tree.resolve("usr/bin/busybox");
        Files.copy(Path.of("/bin/busybox"), busybox);
        for (String applet : Command.run(Duration.ofSeconds(30), "/bin/busybox", "--list-full").split("\n")) {
            if (applet.isBlank()) {
                continue;
            }
            Path link = tree.resolve(applet.startsWith("usr/") ? applet : "usr/" + applet);
            Files.createDirectories(link.getParent());
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, link.getParent().relativize(busybox));
            }
        }
    }

    /** Writes the scripts into the tree; returns a key of their content (the image is rebuilt when it changes). */
    private static String installScripts(Path tree) throws IOException {
        StringBuilder key = new StringBuilder();
        for (Map.Entry<String, String> script : SCRIPTS.entrySet()) {
            key.append(install(tree, script.getKey(), Resources.bytes(script.getValue())));
        }
        if (GuestRoot.class.getResource(BOOTSTRAP_RESOURCE) != null) {
            key.append(install(tree, BOOTSTRAP_GUEST_PATH, Resources.bytes(BOOTSTRAP_RESOURCE)));
        }
        return Resources.key(key.toString());
    }

    /** Writes {@code content} to {@code guestPath} in {@code tree} (mode 0755) unless it is there; returns its key. */
    static String install(Path tree, String guestPath, byte[] content) throws IOException {
        Path file = tree.resolve(guestPath);
        Files.createDirectories(file.getParent());
        if (!Files.exists(file) || !java.util.Arrays.equals(Files.readAllBytes(file), content)) {
            Files.write(file, content);
        }
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return Resources.key(guestPath, new String(content, StandardCharsets.UTF_8));
    }

    private static void makeExt4(Path tree, Path image) throws IOException {
        long bytes;
        try (Stream<Path> files = Files.walk(tree)) {
            bytes = files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length()).sum();
        }
        long mib = bytes * 5 / 4 / (1 << 20) + 64;
        Path partial = Path.of(image + ".partial");
        Command.run(Duration.ofMinutes(1), "rm", "-f", partial.toString());
        Command.run(Duration.ofMinutes(5), "mke2fs", "-q", "-F", "-t", "ext4", "-L", "libpool-e2e", "-d", tree.toString(),
                partial.toString(), mib + "M");
        Files.move(partial, image);
    }
}
