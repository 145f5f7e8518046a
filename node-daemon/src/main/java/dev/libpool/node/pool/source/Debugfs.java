package dev.libpool.node.pool.source;

import dev.libpool.node.host.Tools;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An ext2/3/4 file system read with e2fsprogs' debugfs, opened read-only (no -w) at a byte offset of a raw disk
 * ({@code disk?offset=N}, unix_io's option), in the {@link Sandbox}. Paths are absolute inside the file system
 * and debugfs resolves links in them against the file system's own root.
 */
final class Debugfs implements ImageTree {

    private static final Duration TIMEOUT = Duration.ofMinutes(20);
    /** Paths handed to debugfs' command parser: printable, no quote (paths come from the image: untrusted). */
    private static final Pattern SAFE = Pattern.compile("/[\\x20-\\x7e&&[^\"\\\\]]*");
    /** stderr lines that are not failures: the banner, a path that is absent, ownership the sandbox cannot set. */
    private static final Pattern BENIGN = Pattern.compile("debugfs \\d.*|.*File not found by ext2_lookup.*"
            + "|.*while changing ownership of.*|\\s*");

    private final Path tool;
    private final Sandbox sandbox;
    private final String device;
    private final Path scratch;

    Debugfs(Sandbox sandbox, Path disk, long offset, Path scratch) throws PoolFailure {
        this.sandbox = sandbox;
        this.tool = Tools.locate("debugfs").orElseThrow(() -> new PoolFailure(Reason.DiskToolMissing,
                "debugfs was not found on this node: install e2fsprogs (the node daemon image has it)"));
        this.device = disk + "?offset=" + offset;
        this.scratch = scratch;
    }

    static boolean safe(String path) {
        return SAFE.matcher(path).matches();
    }

    @Override
    public void copyOut(List<String> paths, Path root) throws PoolFailure, IOException {
        List<String> commands = new ArrayList<>();
        for (String path : paths) {
            if (path.equals("/")) {
                commands.add("rdump \"/\" \"" + root + "\""); // rdump puts the root's entries straight into root
                continue;
            }
            if (!safe(path)) {
                continue;
            }
            Path parent = root.resolve(path.substring(1)).getParent();
            sandbox.createDirectories(root, parent);
            commands.add("rdump \"" + path + "\" \"" + parent + "\"");
        }
        if (!commands.isEmpty()) {
            run(commands);
        }
    }

    @Override
    public Kind kind(String path) throws PoolFailure, IOException {
        if (!safe(path)) {
            return Kind.MISSING;
        }
        Exec.Result r = run(List.of("stat \"" + path + "\""));
        for (String line : r.stdout().split("\n")) {
            int at = line.indexOf("Type: ");
            if (at >= 0) {
                String type = line.substring(at + 6).split("\\s+")[0];
                return switch (type) {
                    case "directory" -> Kind.DIRECTORY;
                    case "symlink" -> Kind.SYMLINK;
                    case "regular" -> Kind.FILE;
                    default -> Kind.OTHER;
                };
            }
        }
        return Kind.MISSING;
    }

    private Exec.Result run(List<String> commands) throws PoolFailure, IOException {
        Path script = Files.createTempFile(scratch, "debugfs-", ".cmd");
        try {
            Files.write(script, (String.join("\n", commands) + "\n").getBytes(StandardCharsets.UTF_8));
            sandbox.giveAway(script);
            Exec.Result r = Exec.run(sandbox.command(List.of(tool.toString(), "-f", script.toString(), device)), scratch, TIMEOUT);
            List<String> errors = r.stderr().lines().filter(l -> !BENIGN.matcher(l).matches()).toList();
            if (r.exit() != 0 || !errors.isEmpty()) {
                throw new PoolFailure(Reason.DiskImageCorrupt, "debugfs cannot read the ext4 file system: "
                        + Exec.tail(String.join("; ", errors.isEmpty() ? List.of("exit " + r.exit()) : errors))
                        + ": the image is corrupt or truncated; check it with e2fsck -n on a copy, or copy it again");
            }
            return r;
        } catch (Exec.TimeoutException e) {
            throw new PoolFailure(Reason.DiskImageCorrupt, "debugfs: " + e.getMessage() + ": check the image", e);
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
