package dev.libpool.node.pool.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a tool to completion with a deadline; output goes through files in a scratch directory (no pipe stalls). */
final class Exec {

    record Result(int exit, String stdout, String stderr) {
    }

    private Exec() {
    }

    static Result run(List<String> cmd, Path scratch, Duration timeout) throws IOException, TimeoutException {
        Path out = Files.createTempFile(scratch, "out-", ".txt");
        Path err = Files.createTempFile(scratch, "err-", ".txt");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new TimeoutException(cmd.get(0) + " did not finish in " + timeout.toSeconds() + " s");
            }
            return new Result(p.exitValue(), new String(Files.readAllBytes(out), StandardCharsets.UTF_8),
                    new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + cmd.get(0), e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static String tail(String s) {
        String t = s.strip();
        return t.length() <= 400 ? t : "..." + t.substring(t.length() - 400);
    }

    static final class TimeoutException extends Exception {
        TimeoutException(String message) {
            super(message);
        }
    }
}
