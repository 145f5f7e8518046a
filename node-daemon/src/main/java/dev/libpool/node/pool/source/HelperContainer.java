package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The helper container of a containerDisk pool (the operator's HelperContainer mode), found among the processes
 * of the daemon's own pod (shareProcessNamespace) by the pool's marker, and its root, through which the daemon
 * reads the disk file: {@code /proc/<pid>/root}, as virt-handler reaches a containerDisk.
 *
 * <p>Only the daemon's own PID namespace is searched, never the host's {@code /proc}: a tenant's pod could carry
 * any argument, while the daemon's pod is the operator's. The marker is matched as the whole last argument, so
 * {@code ...=deb} never finds the helper of pool {@code debian}.
 *
 * @param pid       the helper's main process
 * @param root      {@code <proc>/<pid>/root}: the container's root file system as the daemon reaches it
 * @param startTime the process's start time (/proc/pid/stat field 22), to notice a reused pid
 */
public record HelperContainer(long pid, Path root, String startTime) {

    /**
     * @param proc the daemon's /proc (its pod's PID namespace)
     * @throws PoolFailure DiskImageMissing when no process carries the marker, ContainerDiskHelperAmbiguous for two
     */
    public static HelperContainer find(Path proc, String pool, String image, String imageVolume) throws PoolFailure,
            IOException {
        String marker = ContainerDiskSource.helperMarker(pool);
        List<Long> found = new ArrayList<>();
        TreeSet<String> others = new TreeSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path entry : entries) {
                Optional<List<String>> argv = argv(entry);
                if (argv.isEmpty() || argv.get().isEmpty()) {
                    continue; // gone meanwhile, or a kernel thread
                }
                String last = argv.get().get(argv.get().size() - 1);
                if (last.equals(marker)) {
                    found.add(Long.parseLong(entry.getFileName().toString()));
                } else if (last.startsWith(ContainerDiskSource.HELPER_MARKER_PREFIX) && last.length() < 300) {
                    others.add(last);
                }
            }
        }
        if (found.isEmpty()) {
            throw new PoolFailure(Reason.DiskImageMissing, "the containerDisk " + image + " is neither mounted at "
                    + imageVolume + " (ImageVolume mode) nor served by a helper container (HelperContainer mode: no "
                    + "process of the node daemon's pod has the last argument " + marker
                    + (others.isEmpty() ? "" : "; there are helpers for " + others) + "): the operator adds one of "
                    + "them to the node daemon DaemonSet as its containerDiskMode says; check the DaemonSet's pods "
                    + "(kubectl -n libpool-system describe pod: an image the kubelet cannot pull keeps the pod "
                    + "pending, a helper that exited is restarted)");
        }
        // The helper's shell forks to run sleep: until the child execs it carries the shell's argv, marker included.
        // A process whose parent carries the marker is that fork, not a second helper.
        found.removeIf(pid -> statField(proc.resolve(Long.toString(pid)), 1).map(Long::parseLong)
                .filter(found::contains).isPresent());
        if (found.size() > 1) {
            found.sort(null);
            throw new PoolFailure(Reason.ContainerDiskHelperAmbiguous, found.size() + " processes of the node "
                    + "daemon's pod (pids " + found + ") carry " + marker + ": only the operator's helper container "
                    + "cdisk-" + pool + " may; remove the other containers from the DaemonSet (it is the operator's: "
                    + "delete it and the operator writes it again)");
        }
        long pid = found.get(0);
        Path dir = proc.resolve(Long.toString(pid));
        Path root = dir.resolve("root");
        if (!Files.isDirectory(root)) {
            throw new PoolFailure(Reason.SourceUnreadable, "the helper container of pool " + pool + " (pid " + pid
                    + ") has no root the node daemon can open (" + root + "): the daemon needs CAP_SYS_PTRACE over "
                    + "its pod's processes, as its privileged DaemonSet container has");
        }
        return new HelperContainer(pid, root, startTime(dir).orElse(""));
    }

    /**
     * Refuses to look for helpers when this process shares the host's PID namespace (the standalone CLI, or a daemon
     * without its pod): there every process of the node is visible, and any user could start one that carries the
     * marker and make the daemon read a disk of its choosing.
     */
    public static void requireOwnPidNamespace(Path proc, Path hostProc, String image, String imageVolume)
            throws PoolFailure {
        // "self" is this process's pid in the namespace each procfs was mounted for: the same number means the same
        // namespace (unlike /proc/1/ns/pid, it needs no ptrace access to the host's init)
        String own = link(proc.resolve("self"));
        String host = link(hostProc.resolve("self"));
        if (own.isEmpty() || host.isEmpty() || own.equals(host)) {
            throw new PoolFailure(Reason.DiskImageMissing, "the containerDisk " + image + " is not mounted at "
                    + imageVolume + " (ImageVolume mode), and helper containers (HelperContainer mode) are looked for "
                    + "only in the node daemon's own pod: this process " + (own.isEmpty() || host.isEmpty()
                    ? "cannot tell its PID namespace from the host's (" + hostProc + ")"
                    : "shares the host's PID namespace") + ", where any process could pose as a helper; run the "
                    + "daemon from its DaemonSet, or use source.diskImage with the disk file on the node");
        }
    }

    private static String link(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return "";
        }
    }

    /**
     * The file at {@code inRoot} (absolute, inside the container) with no link on the way: a link met under
     * {@code /proc/<pid>/root} resolves against the daemon's root, not the container's, so it could lead to a file
     * of the node.
     */
    public Path file(String inRoot, String field) throws PoolFailure {
        Path at = root;
        for (Path part : Path.of("/").relativize(Path.of(inRoot))) {
            at = at.resolve(part.toString());
            if (Files.isSymbolicLink(at)) {
                throw new PoolFailure(Reason.DiskImageMissing, field + ": " + inRoot + " has a link on its way ("
                        + part + "); the node daemon reads containerDisks through their container's root, where links "
                        + "would resolve against the node's files: set source.containerDisk.path to the file itself");
            }
        }
        return at;
    }

    /** Whether the same process still runs: checked after the disk file is opened, so the file is the helper's. */
    public boolean stillRunning() {
        return root.getParent() != null && startTime(root.getParent()).map(startTime::equals).orElse(false);
    }

    private static Optional<List<String>> argv(Path dir) {
        try {
            byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
            List<String> args = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] == 0) {
                    args.add(new String(raw, from, i - from, StandardCharsets.UTF_8));
                    from = i + 1;
                }
            }
            if (from < raw.length) { // a process that rewrote its argv may drop the last NUL
                args.add(new String(raw, from, raw.length - from, StandardCharsets.UTF_8));
            }
            return Optional.of(args);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> startTime(Path dir) {
        return statField(dir, 19);
    }

    /** Field {@code index} after the command name of /proc/pid/stat: 1 = ppid (field 4), 19 = starttime (field 22). */
    private static Optional<String> statField(Path dir, int index) {
        try {
            String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
            // after the command name in parentheses (which may itself hold ") "): state is field 3
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return fields.length > index ? Optional.of(fields[index]) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

}
