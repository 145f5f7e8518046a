package dev.libpool.e2e.lab;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Live progress of a lab: one line per step, "[+elapsed] who: what", and a line every few seconds while
 * waiting, so a person (or a CI log) always sees which guest is in which phase and for how long.
 */
public final class Progress {
    private static final Duration TICK = Duration.ofSeconds(5);

    private final PrintStream out;
    private final long startNanos = System.nanoTime();

    public Progress(PrintStream out) {
        this.out = out;
    }

    /** Progress on standard output. */
    public static Progress toStdout() {
        return new Progress(System.out);
    }

    public void step(String who, String what) {
        out.printf("[libpool-e2e +%6.1fs] %-12s %s%n", elapsedSeconds(), who + ":", what);
        out.flush();
    }

    public double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /**
     * Polls {@code probe} until it yields a value or {@code timeout} passes, printing "still waiting" lines
     * with the elapsed time and {@code status} (e.g. the last console line of a guest).
     *
     * @throws LabException on timeout, with {@code status} in the message
     */
    public <T> T await(String who, String what, Duration timeout, Supplier<Optional<T>> probe,
                       Supplier<String> status) {
        long begin = System.nanoTime();
        long deadline = begin + timeout.toNanos();
        long nextTick = begin + TICK.toNanos();
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                step(who, what + " after " + seconds(System.nanoTime() - begin));
                return value.get();
            }
            long now = System.nanoTime();
            if (now > deadline) {
                throw new LabException(who + ": timed out after " + timeout.toSeconds() + " s waiting for " + what
                        + "; last state: " + status.get());
            }
            if (now >= nextTick) {
                step(who, "waiting for " + what + " (" + seconds(now - begin) + ") " + status.get());
                nextTick = now + TICK.toNanos();
            }
            sleep(Duration.ofMillis(250));
        }
    }

    private static String seconds(long nanos) {
        return String.format("%.1fs", nanos / 1e9);
    }

    public static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LabException("interrupted", e);
        }
    }
}
