package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host program with a timeout; output goes through temporary files so no pipe can block it. */
public final class Command {
    private Command() {
    }

    public record Result(List<String> argv, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** The stdout of a successful run, else a LabException with the command, exit code and stderr. */
        public String stdoutOrThrow() {
            if (!ok()) {
                throw new LabException(String.join(" ", argv) + " exited " + exitCode + ": " + tail(stderr + stdout));
            }
            return stdout;
        }
    }

    public static String run(Duration timeout, String... argv) {
        return exec(timeout, argv).stdoutOrThrow();
    }

    /** Runs {@code script} with /bin/sh -c (for pipelines such as find | cpio | gzip). */
    public static String shell(Duration timeout, String script) {
        return run(timeout, "/bin/sh", "-c", script);
    }

    public static Result exec(Duration timeout, String... argv) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("libpool-e2e-cmd", ".out");
            err = Files.createTempFile("libpool-e2e-cmd", ".err");
            Process process = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new LabException(String.join(" ", argv) + " did not finish within " + timeout.toSeconds()
                        + " s: " + tail(Files.readString(err, StandardCharsets.UTF_8)));
            }
            return new Result(List.of(argv), process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new LabException("cannot run " + String.join(" ", argv) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted while running " + String.join(" ", argv), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    public static String tail(String text) {
        String trimmed = text.strip();
        return trimmed.length() <= 2000 ? trimmed : "..." + trimmed.substring(trimmed.length() - 2000);
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }
}
