package dev.libpool.e2e.lab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Copies host files into a guest root tree at the same paths, keeping the symlinks on the way (so
 * /lib64/ld-linux-x86-64.so.2 stays a link into usr/lib as on the host), and completes the tree with
 * every shared library its ELF files need (ldd, to a fixed point).
 *
 * <p>Files are always written through the REAL (symlink-free) parent path inside the tree, so an
 * absolute symlink copied into the tree can never make a write land on the host.
 */
final class HostTreeCopier {
    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s+)?(/\\S+)\\s+\\(0x");
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    private final Path tree;
    private final Set<Path> mirrored = new HashSet<>();
    private final Set<Path> scanned = new HashSet<>();

    HostTreeCopier(Path tree) {
        this.tree = tree;
    }

    /** Copies the host file or symlink chain at {@code hostPath} (absolute) into the tree. */
    void mirror(Path hostPath) throws IOException {
        Path path = hostPath.normalize();
        if (path.getParent() == null || !mirrored.add(path)) {
            return;
        }
        mirror(path.getParent());
        Path realParent = path.getParent().toRealPath();
        Path target = inTree(realParent).resolve(path.getFileName().toString());
        if (Files.isSymbolicLink(path)) {
            Path link = Files.readSymbolicLink(path);
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(target, link);
            }
            mirror(link.isAbsolute() ? link : path.getParent().resolve(link));
        } else if (Files.isDirectory(path)) {
            Files.createDirectories(target);
        } else if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            Command.run(Duration.ofMinutes(1), "cp", "-p", path.toString(), target.toString());
        }
    }

    /** Copies a host directory (by its real path) with everything under it, minus {@code excludes}. */
    void copyDirectory(Path hostDir, List<String> excludes) throws IOException {
        mirror(hostDir); // the symlinks on the way (/usr/share/perl/5.36 -> 5.36.0) and the real directory
        Path real = hostDir.toRealPath();
        List<String> argv = new ArrayList<>(List.of("tar", "-C", "/", "-cf", "-"));
        excludes.forEach(e -> argv.add("--exclude=" + e));
        argv.add(Path.of("/").relativize(real).toString());
        Command.shell(Duration.ofMinutes(5), String.join(" ", quoted(argv)) + " | tar -C '" + tree + "' -xf -");
    }

    /** Adds the libraries that the tree's ELF files need, until nothing is missing. */
    void completeLibraries() throws IOException {
        while (true) {
            List<Path> elfFiles;
            try (Stream<Path> files = Files.walk(tree)) {
                elfFiles = files.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                        .filter(scanned::add)
                        .filter(HostTreeCopier::isElf)
                        .toList();
            }
            if (elfFiles.isEmpty()) {
                return;
            }
            for (Path elf : elfFiles) {
                for (Path needed : neededLibraries(elf)) {
                    mirror(needed);
                }
            }
        }
    }

    private static List<Path> neededLibraries(Path elf) {
        Command.Result ldd = Command.exec(Duration.ofSeconds(30), "ldd", elf.toString());
        List<Path> paths = new ArrayList<>();
        if (!ldd.ok()) {
            return paths; // static binaries and non-loadable objects have no needs
        }
        for (String line : ldd.stdout().split("\n")) {
            Matcher matcher = LDD_PATH.matcher(line);
            if (matcher.find()) {
                paths.add(Path.of(matcher.group(1)));
            }
        }
        return paths;
    }

    private static boolean isElf(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return java.util.Arrays.equals(head, ELF_MAGIC);
        } catch (IOException e) {
            return false;
        }
    }

    private Path inTree(Path absolute) {
        return tree.resolve(Path.of("/").relativize(absolute).toString());
    }

    private static List<String> quoted(List<String> argv) {
        return argv.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").toList();
    }
}
