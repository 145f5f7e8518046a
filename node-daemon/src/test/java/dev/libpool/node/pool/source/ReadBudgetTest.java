package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each limit of a read stops it with DiskImageOverBudget, naming the limit, the entry reached and the fix. */
class ReadBudgetTest {

    @Test
    void bytesAreChargedBeforeTheyAreWritten() {
        ReadBudget budget = ReadBudget.forPool("source.diskImage.path /x.raw", 1 << 20);
        assertThatCode(() -> budget.spend(8 << 20, "usr/lib/a.so")).doesNotThrowAnyException();
        assertThatThrownBy(() -> budget.spend(1, "usr/lib/b.so"))
                .isInstanceOf(PoolFailure.class).hasFieldOrPropertyWithValue("reason", Reason.DiskImageOverBudget)
                .hasMessageContaining("source.diskImage.path /x.raw: reading the image needs more than 8388608 bytes")
                .hasMessageContaining("(at usr/lib/b.so)").hasMessageContaining("narrow include, raise spec.maxSize");
    }

    @Test
    void entriesAndTimeAreBoundedToo() {
        ReadBudget entries = new ReadBudget("f", Long.MAX_VALUE, 2, Duration.ofMinutes(1));
        assertThatCode(() -> {
            entries.entry("a");
            entries.entry("b");
        }).doesNotThrowAnyException();
        assertThatThrownBy(() -> entries.entry("c")).hasMessageContaining("more than 2 files, links and directories");

        ReadBudget time = new ReadBudget("f", Long.MAX_VALUE, 10, Duration.ZERO);
        assertThatThrownBy(() -> time.checkTime("usr/lib/slow\n.so"))
                .hasFieldOrPropertyWithValue("reason", Reason.DiskImageOverBudget)
                .hasMessageContaining("more than 0 s of reading").hasMessageContaining("usr/lib/slow\\u000a.so");
    }
}
