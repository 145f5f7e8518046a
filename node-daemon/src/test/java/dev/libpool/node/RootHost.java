package dev.libpool.node;

import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Shared by the *IT tests that use real host facilities: root check, mount bookkeeping, cleanup. */
public final class RootHost {

    private RootHost() {
    }

    /** Skips (and says why) unless running as root: mount(2), FS_IMMUTABLE_FL and /proc of others need it. */
    public static void assumeRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) {
            System.out.println("SKIPPED: this test needs root (mount(2), chattr +i, other processes' smaps)");
        }
        assumeTrue(root, "needs root");
    }

    public static void assumeTool(String path) {
        boolean present = Files.isExecutable(Path.of(path));
        if (!present) {
            System.out.println("SKIPPED: " + path + " is missing (apt-get install erofs-utils / python3)");
        }
        assumeTrue(present, path + " missing");
    }

    /** Lazily unmounts every mount under {@code dir} (deepest first), then deletes the tree. */
    public static void cleanUp(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Natives natives = new JnaNatives();
        String prefix = dir.toRealPath().toString() + "/";
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String target = line.split(" ")[1];
            if (target.startsWith(prefix)) {
                mounts.add(target);
            }
        }
        mounts.sort(Comparator.reverseOrder());
        for (String m : mounts) {
            natives.umount(Path.of(m), true);
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(p) && !Files.isSymbolicLink(p)) {
                    try {
                        natives.setImmutable(p, false);
                    } catch (UnsupportedOperationException | IOException ignored) {
                        // not every filesystem has file attributes; deleting tells
                    }
                }
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * A guest-like source root with {@code count} real shared objects of this host (hard links into
     * usr/lib/x86_64-linux-gnu, copies when the file system differs) and their soname links.
     */
    public static List<Path> libraryRoot(Path root, int count) throws IOException {
        Path hostLibs = Path.of("/usr/lib/x86_64-linux-gnu");
        Path libdir = Files.createDirectories(root.resolve("usr/lib/x86_64-linux-gnu"));
        List<Path> picked;
        try (Stream<Path> files = Files.list(hostLibs)) {
            picked = files.filter(p -> p.getFileName().toString().matches("lib.*\\.so\\.[0-9.]+"))
                    .filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> size(p) > 0 && size(p) < (2 << 20))
                    .sorted().limit(count).toList();
        }
        for (Path lib : picked) {
            Path target = libdir.resolve(lib.getFileName());
            try {
                Files.createLink(target, lib);
            } catch (IOException crossDevice) {
                Files.copy(lib, target);
            }
        }
        return picked;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * Reserves at least {@code pages} huge pages (vm.nr_hugepages) and returns the previous setting for
     * {@link #setHugePages}. The kernel may reserve fewer pages than asked (fragmented memory): callers check
     * {@link #hugePages()} and skip with a message. Observed here: writes from this JVM (or its children)
     * sometimes reserve nothing while the same write from a login shell works; cause not found.
     */
    public static String reserveHugePages(int pages) throws Exception {
        String saved = Files.readString(NR_HUGEPAGES).trim();
        if (Long.parseLong(saved) < pages) {
            setHugePages(Integer.toString(pages));
        }
        return saved;
    }

    /** Skips (and says why) unless at least {@code pages} huge pages are reserved now. */
    public static void assumeHugePages(int pages) throws IOException {
        long reserved = hugePages();
        if (reserved < pages) {
            System.out.println("SKIPPED: the kernel could not reserve " + pages + " huge pages (vm.nr_hugepages="
                    + reserved + ")");
        }
        assumeTrue(reserved >= pages, "needs " + pages + " huge pages");
    }

    public static void setHugePages(String value) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "echo " + Long.parseLong(value) + " > " + NR_HUGEPAGES).inheritIO().start();
        p.waitFor();
    }

    public static long hugePages() throws IOException {
        return Long.parseLong(Files.readString(NR_HUGEPAGES).trim());
    }

    private static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");
}
