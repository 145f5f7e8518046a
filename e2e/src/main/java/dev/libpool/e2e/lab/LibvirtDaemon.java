package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A private libvirtd (system mode, qemu:///system) without systemd, as DESIGN.md describes: virtlogd and
 * libvirtd run in their own mount namespace in which /etc/libvirt, /run/libvirt, /var/lib/libvirt,
 * /var/log/libvirt and /var/cache/libvirt are bind mounts of directories under {@code dir}, so a second
 * lab (the demo next to a test) or a host libvirtd do not clash. virsh reaches it through the socket
 * under {@code dir}.
 *
 * <p>The namespace copies the host's mounts when it starts (the host's / is private here): mount the
 * pool's tmpfs BEFORE starting the daemon, or its QEMUs will not see the pool file.
 */
public final class LibvirtDaemon implements AutoCloseable {
    private static final List<String> BOUND = List.of("/etc/libvirt", "/run/libvirt", "/var/lib/libvirt",
            "/var/log/libvirt", "/var/cache/libvirt");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration VIRSH_TIMEOUT = Duration.ofSeconds(60);

    /** prctl(PR_SET_THP_DISABLE) then exec: inherited by every child, so by libvirtd's QEMUs. */
    private static final String WITHOUT_THP = "import ctypes, os, sys\n"
            + "if ctypes.CDLL(None, use_errno=True).prctl(41, 1, 0, 0, 0) != 0:\n"
            + "    sys.exit('prctl(PR_SET_THP_DISABLE) failed: errno %d' % ctypes.get_errno())\n"
            + "os.execvp(sys.argv[1], sys.argv[1:])\n";

    private final Path dir;
    private final Progress progress;
    private final boolean hugePages;

    private LibvirtDaemon(Path dir, Progress progress, boolean hugePages) {
        this.dir = dir;
        this.progress = progress;
        this.hugePages = hugePages;
    }

    /**
     * Starts virtlogd and libvirtd with their state under {@code dir}; returns once virsh answers.
     *
     * @param hugePages false: the daemons and their QEMUs run with transparent huge pages disabled
     *                  (PR_SET_THP_DISABLE), so guest RAM costs the host 4 KiB pages, not 2 MiB ones, and
     *                  measurements are exact to the page; true: QEMU uses THP as the host allows
     */
    public static LibvirtDaemon start(Path dir, Progress progress, boolean hugePages) {
        LibvirtDaemon daemon = new LibvirtDaemon(dir, progress, hugePages);
        try {
            daemon.launch();
            progress.await("libvirtd", "virsh list to answer", START_TIMEOUT,
                    () -> daemon.virshResult("list").ok() ? Optional.of(true) : Optional.empty(),
                    daemon::logTail);
            return daemon;
        } catch (RuntimeException e) {
            daemon.close();
            throw e;
        }
    }

    public String uri() {
        return "qemu:///system?socket=" + inside("/run/libvirt").resolve("libvirt-sock");
    }

    public String virsh(String... args) {
        return virshResult(args).stdoutOrThrow();
    }

    public Command.Result virshResult(String... args) {
        String[] argv = new String[args.length + 3];
        argv[0] = "virsh";
        argv[1] = "-c";
        argv[2] = uri();
        System.arraycopy(args, 0, argv, 3, args.length);
        return Command.exec(VIRSH_TIMEOUT, argv);
    }

    /** The pid of the QEMU of a running domain, from the pid file libvirt writes. */
    public Optional<Long> qemuPid(String domain) {
        Path pidFile = inside("/run/libvirt").resolve("qemu").resolve(domain + ".pid");
        try {
            return Files.exists(pidFile) ? Optional.of(Long.parseLong(Files.readString(pidFile).strip()))
                    : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** libvirt's log of a domain's QEMU (command line and QEMU's own errors). */
    public Path qemuLog(String domain) {
        return inside("/var/log/libvirt").resolve("qemu").resolve(domain + ".log");
    }

    /** The end of {@link #qemuLog}, for an error message. */
    public String qemuLogTail(String domain) {
        Path log = qemuLog(domain);
        try {
            return Files.exists(log) ? Command.tail(Files.readString(log)) : "(no QEMU log)";
        } catch (IOException e) {
            return "(QEMU log unreadable: " + e.getMessage() + ")";
        }
    }

    private void launch() {
        ensureQemuUser();
        try {
            for (String bound : BOUND) {
                Files.createDirectories(inside(bound));
                Files.createDirectories(Path.of(bound)); // the (empty) mount point on the host
            }
            Files.writeString(inside("/etc/libvirt").resolve("qemu.conf"), Resources.text("/dev/libpool/e2e/lab/qemu.conf"));
            Files.writeString(inside("/etc/libvirt").resolve("libvirtd.conf"),
                    "log_outputs = \"3:file:/var/log/libvirt/libvirtd.log\"\n");
        } catch (IOException e) {
            throw new LabException("cannot prepare libvirt directories under " + dir + ": " + e.getMessage(), e);
        }
        StringBuilder script = new StringBuilder("set -e\n");
        for (String bound : BOUND) {
            script.append("mount --bind '").append(inside(bound)).append("' ").append(bound).append('\n');
        }
        script.append("virtlogd -d -p /run/libvirt/virtlogd.pid\n");
        script.append("libvirtd -d -p /run/libvirt/libvirtd.pid\n");
        progress.step("libvirtd", "starting virtlogd + libvirtd in a private mount namespace, state in " + dir
                + (hugePages ? "" : ", transparent huge pages off for them and their QEMUs"));
        List<String> argv = new ArrayList<>(hugePages ? List.of() : List.of("/usr/bin/python3", "-c", WITHOUT_THP));
        argv.addAll(List.of("unshare", "--mount", "--propagation", "slave", "/bin/sh", "-c", script.toString()));
        Command.run(START_TIMEOUT, argv.toArray(String[]::new));
    }

    /** libvirt's QEMU driver refuses to start without the libvirt-qemu user and group (Debian's default). */
    private void ensureQemuUser() {
        if (!Command.exec(VIRSH_TIMEOUT, "getent", "passwd", "libvirt-qemu").ok()) {
            progress.step("libvirtd", "creating the system user and group libvirt-qemu");
            if (!Command.exec(VIRSH_TIMEOUT, "getent", "group", "libvirt-qemu").ok()) {
                Command.run(VIRSH_TIMEOUT, "groupadd", "--system", "libvirt-qemu");
            }
            Command.run(VIRSH_TIMEOUT, "useradd", "--system", "--gid", "libvirt-qemu", "--no-create-home",
                    "--home-dir", "/var/lib/libvirt", "--shell", "/usr/sbin/nologin", "libvirt-qemu");
        }
    }

    private Path inside(String bound) {
        return dir.resolve(bound.substring(1).replace('/', '-'));
    }

    private String logTail() {
        Path log = inside("/var/log/libvirt").resolve("libvirtd.log");
        try {
            return Files.exists(log) ? Command.tail(Files.readString(log)) : "(no libvirtd.log yet)";
        } catch (IOException e) {
            return "(libvirtd.log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Destroys every domain, then stops libvirtd and virtlogd (QEMU outlives libvirtd, so domains first). */
    @Override
    public void close() {
        Command.Result list = virshResult("list", "--name");
        if (list.ok()) {
            Arrays.stream(list.stdout().split("\n")).map(String::strip).filter(s -> !s.isEmpty())
                    .forEach(domain -> virshResult("destroy", domain));
        }
        try (var pids = Files.list(inside("/run/libvirt").resolve("qemu"))) {
            pids.filter(p -> p.toString().endsWith(".pid")).forEach(p -> stop(p, "qemu-system"));
        } catch (IOException ignored) {
            // no QEMU ever started
        }
        stop(inside("/run/libvirt").resolve("libvirtd.pid"), "libvirtd");
        stop(inside("/run/libvirt").resolve("virtlogd.pid"), "virtlogd");
    }

    private void stop(Path pidFile, String what) {
        Optional<ProcessHandle> process;
        try {
            process = Files.exists(pidFile)
                    ? ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return;
        }
        // A stale pid file may name a reused pid: only stop the program it was written for.
        process.filter(p -> p.info().command().map(c -> c.contains(what)).orElse(false)).ifPresent(p -> {
            progress.step("libvirtd", "stopping " + what + " (pid " + p.pid() + ")");
            p.destroy();
            try {
                p.onExit().get(15, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        });
    }
}
