package dev.libpool.node.host;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Host programs the daemon runs (mkfs.erofs): found by name on PATH or given as a path. */
public final class Tools {

    private Tools() {
    }

    public static Optional<Path> locate(String nameOrPath) {
        if (nameOrPath.contains("/")) {
            Path p = Path.of(nameOrPath);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, nameOrPath);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        // a daemon started with a short PATH still finds the sbin tools
        for (String dir : new String[] {"/usr/sbin", "/sbin"}) {
            Path p = Path.of(dir, nameOrPath);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
