package dev.libpool.e2e.demo;

import java.util.List;

/**
 * What was recorded while one mode ran.
 *
 * @param mode        the mode
 * @param startMillis when its first guest was started (epoch ms); samples before it measure the idle host
 * @param readyMillis when guest 1, 2, ... became ready (epoch ms), in order
 * @param samples     the measurements, in time order
 * @param error       why the mode stopped early, or null when it ran to the end
 */
public record ModeRun(Mode mode, long startMillis, List<Long> readyMillis, List<Sample> samples, String error) {

    public ModeRun {
        readyMillis = List.copyOf(readyMillis);
        samples = List.copyOf(samples);
    }
}
