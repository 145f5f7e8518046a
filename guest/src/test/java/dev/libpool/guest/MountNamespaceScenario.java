package dev.libpool.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Shell steps run in ONE private mount namespace ({@code unshare -m}, as root), so real bind mounts
 * can be made and inspected without touching the host's mounts; they vanish with the namespace.
 * After each step its exit status, output, the mounts under the guest root and the report are kept.
 */
final class MountNamespaceScenario {

    record Mount(String mountPoint, String options, String fsType) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path out;
    private final StringBuilder script = new StringBuilder();
    private int steps;

    MountNamespaceScenario(Path dir, Path guestRoot) {
        this.out = dir.resolve("steps");
        GuestTree.mkdirs(out);
        script.append("mount --make-rprivate / || exit 99\n")
                .append("step() {\n")
                .append("  sh \"").append(out).append("/$1.cmd\" >\"").append(out).append("/$1.stdout\" 2>\"")
                .append(out).append("/$1.stderr\"\n")
                .append("  echo $? >\"").append(out).append("/$1.rc\"\n")
                .append("  grep -F ' ").append(guestRoot).append("/' /proc/self/mountinfo >\"").append(out)
                .append("/$1.mounts\"\n")
                .append("  cp \"").append(guestRoot).append("/run/libpool/report.json\" \"").append(out)
                .append("/$1.report.json\" 2>/dev/null\n")
                .append("  return 0\n}\n");
    }

    /** Whether this host can run scenarios; prints the reason when it cannot. */
    static boolean available() {
        String missing = !"root".equals(System.getProperty("user.name")) ? "not running as root"
                : !Processes.onPath("unshare") ? "unshare (util-linux) is missing"
                : null;
        if (missing != null) {
            System.out.println("SKIP mount namespace tests: " + missing);
        }
        return missing == null;
    }

    /** A setup command run directly in the namespace (its failure aborts the scenario). */
    MountNamespaceScenario setup(String command) {
        script.append(command).append(" || exit 98\n");
        return this;
    }

    MountNamespaceScenario step(String name, String command) {
        GuestTree.write(out.resolve(name + ".cmd"), (command + "\n").getBytes());
        script.append("step ").append(name).append('\n');
        steps++;
        return this;
    }

    Processes.Result run() {
        Path file = out.resolve("scenario.sh");
        GuestTree.write(file, script.toString().getBytes());
        Processes.Result result = Processes.run(List.of("unshare", "-m", "sh", file.toString()));
        if (result.exitCode() != 0) {
            throw new AssertionError("scenario failed before its " + steps + " steps completed:\n" + result
                    + "\n--- script\n" + script);
        }
        return result;
    }

    int rc(String step) {
        return Integer.parseInt(read(step + ".rc").strip());
    }

    String stdout(String step) {
        return read(step + ".stdout");
    }

    String stderr(String step) {
        return read(step + ".stderr");
    }

    JsonNode report(String step) {
        try {
            return JSON.readTree(read(step + ".report.json"));
        } catch (IOException e) {
            throw new AssertionError("report of step " + step + " is not JSON: " + read(step + ".report.json"), e);
        }
    }

    /** Mounts under the guest root after the step, from /proc/self/mountinfo. */
    List<Mount> mounts(String step) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : GuestTree.lines(out.resolve(step + ".mounts"))) {
            String[] fields = line.split(" ");
            int separator = Arrays.asList(fields).indexOf("-");
            mounts.add(new Mount(fields[4], fields[5], fields[separator + 1]));
        }
        return mounts;
    }

    List<String> mountPoints(String step) {
        return mounts(step).stream().map(Mount::mountPoint).toList();
    }

    private String read(String name) {
        try {
            return Files.readString(out.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("step output " + name + " missing", e);
        }
    }
}
