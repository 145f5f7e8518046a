package dev.libpool.e2e.demo;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DebianBenchTest {

    @Test
    void guestDebianIsTakenOutOfTheArgumentsAndLabIsTheDefault() {
        assertThat(DebianBench.wanted(new String[] {"--guests", "2", "--guest", "debian", "--mem", "768"}))
                .contains(List.of("--guests", "2", "--mem", "768"));
        assertThat(DebianBench.wanted(new String[] {"--guest", "lab", "--quick"})).isEmpty();
        assertThat(DebianBench.withoutLabGuest(new String[] {"--guest", "lab", "--quick"})).containsExactly("--quick");
        assertThat(DebianBench.wanted(new String[] {"--quick"})).isEmpty();
    }

    @Test
    void aWrongGuestOrOptionNamesTheFix() {
        assertThatThrownBy(() -> DebianBench.wanted(new String[] {"--guest", "fedora"}))
                .hasMessageContaining("--guest needs 'debian'");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(DemoMain.run(new String[] {"--guest"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err))).isEqualTo(2);
        assertThat(DemoMain.run(new String[] {"--guest", "debian", "--guests", "9"},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err))).isEqualTo(2);
        assertThat(err.toString()).contains("--guests: '9' must be a whole number 1..4");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(DemoMain.run(new String[] {"--guest", "debian", "--help"}, new PrintStream(out),
                new PrintStream(err))).isZero();
        assertThat(out.toString()).contains("./libpool demo --guest debian");
    }
}
