package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModeTest {

    @Test
    void everyModeIsFoundByItsId() {
        for (Mode mode : Mode.values()) {
            assertThat(Mode.fromId(mode.id())).isSameAs(mode);
        }
    }

    @Test
    void anUnknownIdNamesTheOptionAndTheValidIds() {
        assertThatThrownBy(() -> Mode.fromId("ksm"))
                .hasMessageContaining("--modes")
                .hasMessageContaining("'ksm'")
                .hasMessageContaining("own-disk+ksm");
    }

    @Test
    void theQuickModesAreTheBaselineAndThePoolOnly() {
        assertThat(Mode.QUICK).containsExactly(Mode.OWN_DISK, Mode.POOL_PAGECACHE);
        assertThat(Mode.ALL.get(0)).isEqualTo(DemoReport.BASELINE);
        assertThat(Mode.QUICK).noneMatch(Mode::usesKsm);
    }
}
