package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

    @Test
    void defaultsAreThreeGuestsOf512MiBInEveryMode() {
        DemoOptions options = DemoOptions.parse();
        assertThat(options.settings()).isEqualTo(new DemoSettings(3, 512, "libs", Mode.ALL));
        assertThat(options.bench()).isFalse();
        assertThat(options.reportDir()).isEqualTo(Path.of("demo-report"));
        assertThat(options.from()).isEmpty();
    }

    @Test
    void quickRunsTwoGuestsOfTheBaselineAndThePoolUnlessToldOtherwise() {
        assertThat(DemoOptions.parse("--quick").settings()).isEqualTo(new DemoSettings(2, 512, "libs", Mode.QUICK));
        assertThat(DemoOptions.parse("--guests", "4", "--quick").settings().guests()).isEqualTo(4);
        assertThat(DemoOptions.parse("--quick", "--modes", "pool-tmpfs").settings().modes()).containsExactly(Mode.POOL);
    }

    @Test
    void everyOptionIsRead() {
        DemoOptions options = DemoOptions.parse("--guests", "5", "--mem", "768", "--workload", "libs", "--bench",
                "--modes", "pool-tmpfs,own-disk", "--report-dir", "/tmp/r", "--from", "/tmp/r/samples.json");
        assertThat(options.settings()).isEqualTo(new DemoSettings(5, 768, "libs", java.util.List.of(Mode.POOL, Mode.OWN_DISK)));
        assertThat(options.bench()).isTrue();
        assertThat(options.reportDir()).isEqualTo(Path.of("/tmp/r"));
        assertThat(options.from()).contains(Path.of("/tmp/r/samples.json"));
        assertThat(DemoOptions.parse("--help").help()).isTrue();
    }

    @Test
    void badValuesNameTheOptionAndTheFix() {
        assertThatThrownBy(() -> DemoOptions.parse("--guests", "many")).hasMessage(
                "--guests: 'many' is not a whole number; use 1..8");
        assertThatThrownBy(() -> DemoOptions.parse("--guests", "9")).hasMessage("--guests: 9 is out of range; use 1..8");
        assertThatThrownBy(() -> DemoOptions.parse("--mem", "64")).hasMessageContaining("--mem").hasMessageContaining("128..");
        assertThatThrownBy(() -> DemoOptions.parse("--mem")).hasMessage("--mem needs a value; see --help");
        assertThatThrownBy(() -> DemoOptions.parse("--guests", "--quick")).hasMessage("--guests needs a value; see --help");
        assertThatThrownBy(() -> DemoOptions.parse("--workload", "video")).hasMessageContaining("--workload: 'video'")
                .hasMessageContaining("use libs");
        assertThatThrownBy(() -> DemoOptions.parse("--modes", "pool,pool")).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> DemoOptions.parse("--fast")).hasMessage("unknown option '--fast'; see --help");
    }

    @Test
    void usageNamesEveryOption() {
        assertThat(DemoOptions.USAGE).contains("--guests", "--quick", "--mem", "--workload", "--modes", "--report-dir",
                "--from", "--bench", "--help");
    }
}
