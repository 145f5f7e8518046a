package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SlopeTest {

    @Test
    void slopeOfALineIsItsGradient() {
        assertThat(Slope.of(List.of(1, 2, 3), List.of(10, 30, 50))).isCloseTo(20.0, within(1e-12));
    }

    @Test
    void oneNoisyPointMovesTheSlopeLessThanTheLastDifference() {
        double slope = Slope.of(List.of(1, 2, 3, 4), List.of(100, 200, 300, 500));
        assertThat(slope).isCloseTo(130.0, within(1e-9)).isLessThan(200.0);
    }

    @Test
    void aSinglePointHasNoSlope() {
        assertThat(Slope.of(List.of(1), List.of(10))).isNaN();
        assertThat(Slope.of(List.of(), List.of())).isNaN();
    }

    @Test
    void mismatchedListsAreRejected() {
        assertThatThrownBy(() -> Slope.of(List.of(1, 2), List.of(1))).hasMessageContaining("2 vs 1");
    }
}
