package dev.libpool.e2e.demo;

import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.Progress;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code ./libpool demo} and {@code ./libpool bench guests}: boots real guests mode after mode, prints a
 * table per mode and (demo) writes the report directory. Exit code 0 when every mode ran, 1 when one
 * failed or the guests cannot run here, 2 on a bad command line.
 */
public final class DemoMain {

    /** Where the host's original KSM values wait until restored; outside the work dir so a crash keeps them. */
    static final Path KSM_STATE_DIR = Path.of("/var/lib/libpool-demo");
    static final Path WORK_PARENT = Path.of("/var/tmp");

    private DemoMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        DemoOptions options;
        try {
            Optional<List<String>> debian = DebianBench.wanted(args);
            if (debian.isPresent()) {
                return debianBench(debian.get(), out, err);
            }
            options = DemoOptions.parse(DebianBench.withoutLabGuest(args));
        } catch (IllegalArgumentException e) {
            err.println("libpool demo: " + e.getMessage());
            return 2;
        }
        if (options.help()) {
            out.print(DemoOptions.USAGE);
            return 0;
        }
        try {
            if (options.from().isPresent()) {
                report(SamplesJson.read(options.from().get()), options, out);
                return 0;
            }
            return measure(options, out, err);
        } catch (IOException | RuntimeException e) {
            err.println("libpool demo: " + e.getMessage());
            return 1;
        }
    }

    private static int debianBench(List<String> args, PrintStream out, PrintStream err) {
        try {
            return DebianBench.run(args, out, err);
        } catch (IllegalArgumentException e) {
            err.println("libpool demo: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("libpool demo: " + e.getMessage());
            return 1;
        }
    }

    private static int measure(DemoOptions options, PrintStream out, PrintStream err) throws IOException {
        Optional<String> missing = GuestLab.missingPrerequisites();
        if (missing.isPresent()) {
            err.println("libpool demo: cannot boot guests here: " + missing.get());
            return 1;
        }
        MachineInfo machine = MachineProbe.probe();
        out.println(DemoPlan.describe(options, machine, cacheReady()));
        Path workDir = Files.createTempDirectory(WORK_PARENT, "libpool-demo-");
        DemoRunner runner = new DemoRunner(options.settings(), new Progress(out), workDir, KSM_STATE_DIR);
        Thread hook = new Thread(runner::close, "libpool-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        DemoRecord record;
        try {
            record = runner.run(machine);
        } finally {
            runner.close();
            removeHook(hook);
        }
        if (runner.interrupted()) {
            err.println("libpool demo: interrupted; guests, pool and KSM are cleaned up, nothing reported");
            return 130;
        }
        report(record, options, out);
        long failed = record.runs().stream().filter(r -> r.error() != null).count();
        record.skipped().forEach(reason -> err.println("libpool demo: " + reason));
        if (failed > 0 || record.runs().size() + record.skipped().size() < options.settings().modes().size()) {
            err.println("libpool demo: " + failed + " of " + options.settings().modes().size()
                    + " modes did not complete; see their notes above");
            return 1;
        }
        return 0;
    }

    private static void report(DemoRecord record, DemoOptions options, PrintStream out) throws IOException {
        DemoReport report = new DemoReport(record);
        out.println();
        for (ReportTable table : ReportTables.all(report)) {
            out.println(TextTable.render(table));
        }
        ReportTables.headlines(report).forEach(out::println);
        if (!options.bench()) {
            Path index = ReportWriter.write(report, options.reportDir());
            out.println("report: " + index.toAbsolutePath() + " (charts and samples.json next to it)");
        }
    }

    /** True when the lab's cache holds something, i.e. the kernel and root disk need not be built first. */
    private static boolean cacheReady() {
        File[] entries = LabOptions.defaultCacheDir().toFile().listFiles();
        return entries != null && entries.length > 0;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C: the hook runs (or ran) close() itself
        }
    }
}
