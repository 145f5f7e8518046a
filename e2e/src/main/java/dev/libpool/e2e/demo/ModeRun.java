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
 * @param boots       each guest's boot, in order, then the second boots (a recording without them: empty)
 */
public record ModeRun(Mode mode, long startMillis, List<Long> readyMillis, List<Sample> samples, String error,
                      List<GuestBoot> boots) {

    public ModeRun {
        readyMillis = List.copyOf(readyMillis);
        samples = List.copyOf(samples);
        boots = boots == null ? List.of() : List.copyOf(boots);
    }

    public ModeRun(Mode mode, long startMillis, List<Long> readyMillis, List<Sample> samples, String error) {
        this(mode, startMillis, readyMillis, samples, error, List.of());
    }
}
