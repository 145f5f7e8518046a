package dev.libpool.e2e.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@code ./libpool demo} and {@code ./libpool bench guests}.
 *
 * @param bench     table only: no report directory, no charts (./libpool bench guests)
 * @param reportDir where the report goes (not used with {@code bench})
 * @param from      rebuild the report of a recorded samples.json instead of booting guests
 */
public record DemoOptions(DemoSettings settings, boolean bench, Path reportDir, Optional<Path> from, boolean help) {

    /** bench guests: the count the project's targets are stated for (3 guests x 512 MiB). */
    public static final int DEFAULT_GUESTS = 3;
    /**
     * The demo: one more, so crossovers after 3 guests are measured rather than extrapolated, at ~45 s per TCG
     * guest on 2 cores (8 modes x 4 guests: about half an hour). 24 GiB would hold 20+ such guests; boot time
     * under TCG is the limit, and --guests raises it.
     */
    public static final int DEMO_GUESTS = 4;
    public static final int QUICK_GUESTS = 2;
    /** 24 GiB holds 20+ guests of 512 MiB; TCG boot time (~30-40 s a guest on 2 cores) is the real limit. */
    public static final int MAX_GUESTS = 24;
    public static final int DEFAULT_MEM_MIB = 512;
    public static final int MIN_MEM_MIB = 128;
    /** The guest lab's workload: python3, perl, gdb and qemu loading and using their libraries. */
    public static final String DEFAULT_WORKLOAD = "libs";
    /** The workloads the guest lab can run. */
    public static final List<String> WORKLOADS = List.of(DEFAULT_WORKLOAD);
    public static final Path DEFAULT_REPORT_DIR = Path.of("demo-report");

    public static final String USAGE = """
            Usage: ./libpool demo [OPTIONS]
                   ./libpool bench guests [OPTIONS]

            Boots real guests (QEMU) on this machine, mode after mode, and measures on the host what the guests
            cost: the sum of their QEMUs' PSS, host used memory, KSM's profit and ksmd's CPU time.
            Modes: own-disk (baseline), own-disk+ksm, memfd (guest RAM in a shared memfd, as KubeVirt does
            with virtiofs/passt: KSM cannot merge it), pool-tmpfs, pool-hugetlbfs (reserves huge pages for
            the mode, skipped where the kernel cannot), pool-pagecache, pool+ksm and memfd+pool (both with
            the pool on PageCache). A pool guest that does not attach fails its mode.

              --guests N        guests per mode (default: demo 4, bench 3; at most 24)
              --quick           2 guests, modes own-disk and pool-pagecache only
              --mem MiB         RAM per guest (default 512, at least 128)
              --workload NAME   what each guest runs once booted: libs (default; python3, perl, gdb, qemu)
              --modes A,B,...   run only these modes (ids as above), in this order
              --report-dir DIR  where the report goes (default ./demo-report): samples.json, index.html, PNGs
              --from FILE       rebuild the report of a recorded samples.json; boots nothing
              --bench           print the table only, no report directory (./libpool bench guests)
              --guest debian    real Debian 12 cloud guests (systemd, cloud-init) instead of the lab guest:
                                own disk vs pool, a table only (see --guest debian --help)
              --help            this text
            """;

    public static DemoOptions parse(String... args) {
        int guests = DEFAULT_GUESTS;
        int mem = DEFAULT_MEM_MIB;
        String workload = DEFAULT_WORKLOAD;
        List<Mode> modes = Mode.ALL;
        boolean quick = false;
        boolean guestsGiven = false;
        boolean modesGiven = false;
        boolean bench = false;
        boolean help = false;
        Path reportDir = DEFAULT_REPORT_DIR;
        Optional<Path> from = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--guests" -> {
                    guests = number(arg, value(args, ++i, arg), 1, MAX_GUESTS);
                    guestsGiven = true;
                }
                case "--mem" -> mem = number(arg, value(args, ++i, arg), MIN_MEM_MIB, 65_536);
                case "--workload" -> workload = workload(value(args, ++i, arg));
                case "--modes" -> {
                    modes = modes(value(args, ++i, arg));
                    modesGiven = true;
                }
                case "--report-dir" -> reportDir = Path.of(value(args, ++i, arg));
                case "--from" -> from = Optional.of(Path.of(value(args, ++i, arg)));
                case "--quick" -> quick = true;
                case "--bench" -> bench = true;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'; see --help");
            }
        }
        if (!guestsGiven && !bench) {
            guests = DEMO_GUESTS;
        }
        if (quick) {
            guests = guestsGiven ? guests : QUICK_GUESTS;
            modes = modesGiven ? modes : Mode.QUICK;
        }
        return new DemoOptions(new DemoSettings(guests, mem, workload, modes), bench, reportDir, from, help);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value; see --help");
        }
        return args[i];
    }

    private static int number(String option, String text, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": '" + text + "' is not a whole number; use " + min + ".." + max);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(option + ": " + n + " is out of range; use " + min + ".." + max);
        }
        return n;
    }

    private static String workload(String name) {
        if (!WORKLOADS.contains(name)) {
            throw new IllegalArgumentException("--workload: '" + name + "' is not a workload of the guest lab; use "
                    + String.join(", ", WORKLOADS) + " (python3, perl, gdb and qemu loading their libraries)");
        }
        return name;
    }

    private static List<Mode> modes(String list) {
        List<Mode> modes = new ArrayList<>();
        for (String id : list.split(",")) {
            Mode mode = Mode.fromId(id.strip());
            if (modes.contains(mode)) {
                throw new IllegalArgumentException("--modes: '" + id.strip() + "' is listed twice");
            }
            modes.add(mode);
        }
        return modes;
    }
}
