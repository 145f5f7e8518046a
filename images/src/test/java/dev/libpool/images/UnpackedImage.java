package dev.libpool.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An image of images/out/ unpacked by umoci into an OCI runtime bundle, whose process (entry point,
 * user, environment, working directory) is run the way a container runtime would start it, minus the
 * cgroup: in private mount and PID namespaces (unshare), chrooted into the bundle's root file system,
 * with /proc, /dev and a fresh /tmp.
 */
final class UnpackedImage {
    private static final ObjectMapper JSON = new ObjectMapper();
    final Path bundle;
    final JsonNode process;

    private UnpackedImage(Path bundle) throws IOException {
        this.bundle = bundle;
        this.process = JSON.readTree(bundle.resolve("config.json").toFile()).path("process");
    }

    /** The tag umoci gave the layout's only image (org.opencontainers.image.ref.name). */
    static String tag(Path layout) throws IOException {
        return JSON.readTree(layout.resolve("index.json").toFile())
                .at("/manifests/0/annotations/org.opencontainers.image.ref.name").asText();
    }

    static UnpackedImage unpack(Path layout, Path into) throws IOException, InterruptedException {
        Result r = exec(List.of("umoci", "unpack", "--image", layout + ":" + tag(layout), into.toString()), 300, s -> false);
        if (r.exit != 0) {
            throw new IllegalStateException("umoci unpack " + layout + " failed: " + r.output);
        }
        return new UnpackedImage(into);
    }

    Path rootfs() {
        return bundle.resolve("rootfs");
    }

    List<String> entryPoint() {
        List<String> args = new ArrayList<>();
        process.path("args").forEach(a -> args.add(a.asText()));
        return args;
    }

    long uid() {
        return process.at("/user/uid").asLong();
    }

    /**
     * Runs the image's process with extra arguments; binds maps host directories into the root file
     * system. Stops at timeout, or as soon as the output satisfies until (then the process is killed).
     */
    Result run(List<String> extraArgs, Map<Path, String> binds, List<String> extraEnv, int timeoutSeconds,
               Predicate<String> until) throws IOException, InterruptedException {
        StringBuilder script = new StringBuilder("set -e; R=\"$1\"; shift\n")
                .append("mount -t proc proc \"$R/proc\"; mount --rbind /dev \"$R/dev\"; mount -t tmpfs -o mode=1777 tmp \"$R/tmp\"\n");
        for (Map.Entry<Path, String> bind : binds.entrySet()) {
            script.append("mkdir -p \"$R").append(bind.getValue()).append("\"; mount --bind '")
                    .append(bind.getKey()).append("' \"$R").append(bind.getValue()).append("\"\n");
        }
        script.append("cd \"$R\"; exec chroot --userspec=").append(uid()).append(':').append(process.at("/user/gid").asLong())
                .append(" \"$R\" /usr/bin/env -i \"$@\"\n");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--propagation", "private",
                "/bin/sh", "-c", script.toString(), "sh", rootfs().toString()));
        process.path("env").forEach(e -> cmd.add(e.asText()));
        cmd.addAll(extraEnv);
        cmd.add("sh");
        cmd.add("-c");
        // The working directory of the image config, then the entry point as given.
        cmd.add("cd \"$0\" && exec \"$@\"");
        cmd.add(process.path("cwd").asText("/"));
        cmd.addAll(entryPoint());
        cmd.addAll(extraArgs);
        return exec(cmd, timeoutSeconds, until);
    }

    record Result(int exit, String output, boolean stoppedEarly) { }

    private static Result exec(List<String> cmd, int timeoutSeconds, Predicate<String> until)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("libpool-image-run", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (p.isAlive() && System.nanoTime() < deadline) {
                if (until.test(Files.readString(log, StandardCharsets.UTF_8))) {
                    p.descendants().forEach(ProcessHandle::destroy);
                    p.destroy();
                    p.waitFor(20, TimeUnit.SECONDS);
                    return new Result(-1, Files.readString(log, StandardCharsets.UTF_8), true);
                }
                p.waitFor(200, TimeUnit.MILLISECONDS);
            }
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd)
                        + "\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), false);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
