package dev.libpool.e2e.demo;

import dev.libpool.e2e.lab.DebianLab;
import dev.libpool.e2e.lab.DistroGuest;
import dev.libpool.e2e.lab.HostMemory;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.Progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./libpool demo --guest debian} / {@code ./libpool bench guests --guest debian}: real Debian 12 cloud
 * guests (systemd, cloud-init; DebianLab) booted one after another, first on their own disks, then with the
 * pool, measured on the host once each is booted (cloud-init finished). Prints one table.
 */
final class DebianBench {
    static final String OPTION = "--guest";
    static final String USAGE = """
            Usage: ./libpool demo --guest debian [--guests N] [--mem MiB]
                   ./libpool bench guests --guest debian [--guests N] [--mem MiB]

            Boots real Debian 12 cloud guests (mmdebstrap image: systemd, cloud-init, sshd) one after another,
            first on their own disks, then with the pool attached by cloud-init, and prints what each costs
            the host (the sum of the QEMUs' PSS) and how long each took from virsh create to cloud-init's end.
              --guests N   guests per mode (default 2, at most 4)
              --mem MiB    RAM per guest (default 1024, at least 512)
            """;
    private static final Duration BOOT_TIMEOUT = Duration.ofMinutes(12);

    private DebianBench() {
    }

    /** The arguments without {@code --guest debian} when they ask for this guest; empty otherwise. */
    static Optional<List<String>> wanted(String[] args) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        int at = rest.indexOf(OPTION);
        if (at < 0) {
            return Optional.empty();
        }
        if (at + 1 >= rest.size() || !List.of("debian", "lab").contains(rest.get(at + 1))) {
            throw new IllegalArgumentException(OPTION + " needs 'debian' (a Debian 12 cloud guest) or 'lab' (the "
                    + "busybox lab guest, the default)");
        }
        String guest = rest.get(at + 1);
        rest.subList(at, at + 2).clear();
        return guest.equals("debian") ? Optional.of(rest) : Optional.empty();
    }

    /** Strips {@code --guest lab} (the default) so the lab demo's own parser sees the rest. */
    static String[] withoutLabGuest(String[] args) {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        int at = rest.indexOf(OPTION);
        if (at >= 0) {
            rest.subList(at, at + 2).clear();
        }
        return rest.toArray(String[]::new);
    }

    static int run(List<String> args, PrintStream out, PrintStream err) throws IOException {
        int guests = 2;
        int mem = DebianLab.DEFAULT_MEMORY_MIB;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--guests" -> guests = number("--guests", args, ++i, 1, 4);
                case "--mem" -> mem = number("--mem", args, ++i, 512, 65_536);
                case "--bench" -> { }
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                default -> throw new IllegalArgumentException("unknown option '" + args.get(i) + "' with --guest "
                        + "debian; see --guest debian --help");
            }
        }
        Optional<String> missing = DebianLab.missingPrerequisites();
        if (missing.isPresent()) {
            err.println("libpool demo: cannot boot Debian guests here: " + missing.get());
            return 1;
        }
        Path work = Files.createTempDirectory(DemoMain.WORK_PARENT, "libpool-demo-debian-");
        Progress progress = new Progress(out);
        List<List<String>> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        try (DebianLab lab = DebianLab.open(LabOptions.withPool(work).withoutHugePages(), progress)) {
            for (boolean withPool : List.of(false, true)) {
                String mode = withPool ? "pool" : "own-disk";
                List<DistroGuest> booted = new ArrayList<>();
                HostMemory first = null;
                HostMemory all = null;
                for (int n = 1; n <= guests; n++) {
                    DistroGuest guest = lab.boot(mode + "-" + n, withPool, mem, "#cloud-config\n", false);
                    Duration boot = guest.awaitCloudInitFinished(progress, BOOT_TIMEOUT);
                    booted.add(guest);
                    Progress.sleep(Duration.ofSeconds(3)); // late page-cache growth after cloud-init's last line
                    all = lab.measure(booted);
                    first = first == null ? all : first;
                    rows.add(List.of(mode, Integer.toString(n), String.format("%.0f s", boot.toMillis() / 1000.0),
                            HostMemory.mib(all.qemuPssBytes()), HostMemory.mib(all.poolMappedPssBytes()),
                            HostMemory.mib(all.poolResidentBytes())));
                }
                if (guests > 1) {
                    notes.add(mode + ": each guest after the first adds "
                            + HostMemory.mib((footprint(all) - footprint(first)) / (guests - 1)) + " (QEMU PSS + pool "
                            + "pages no QEMU maps)");
                }
                booted.forEach(lab::destroy);
            }
            notes.add("pool: " + lab.pool().name() + ", " + HostMemory.mib(lab.pool().libraryBytes())
                    + " of libraries from the guests' own disk image; guests " + mem + " MiB, TCG, booted one at a time");
        }
        out.println(TextTable.render(new ReportTable("Debian 12 cloud guests (systemd, cloud-init)",
                List.of("mode", "guests", "boot (create -> cloud-init finished)", "QEMU PSS (all)", "of it pool",
                        "pool resident"), rows, notes)));
        return 0;
    }

    private static long footprint(HostMemory memory) {
        return memory.qemuPssBytes() + Math.max(0, memory.poolResidentBytes() - memory.poolMappedPssBytes());
    }

    private static int number(String option, List<String> args, int i, int min, int max) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value; see --guest debian --help");
        }
        try {
            int n = Integer.parseInt(args.get(i));
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new IllegalArgumentException(option + ": '" + args.get(i) + "' must be a whole number " + min + ".." + max);
    }
}
