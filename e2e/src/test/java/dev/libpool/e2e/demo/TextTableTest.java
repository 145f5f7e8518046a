package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextTableTest {

    private final DemoReport report = new DemoReport(SyntheticRuns.full());

    @Test
    void overviewHasOneRowPerModeWithItsHeadlineFigures() {
        String text = TextTable.render(ReportTables.overview(report));
        assertThat(text).contains("3 guests x 512 MiB", "TCG");
        String pool = line(text, "pool (tmpfs)  ");
        // guests, footprint, per guest, host used growth, saved vs own disk, of the limit, delay, ksmd CPU
        assertThat(pool.split("\\s{2,}")).containsExactly("pool (tmpfs)", "3", "800.0", "200.0", "860.0",
                "400.0 (33%)", "80%", "pool 0.0 s", "0.0");
        assertThat(line(text, "own disk + KSM")).contains("350.0", "150.0 (13%)", "KSM 9.0 s", "16.5");
    }

    @Test
    void perModeTableHasARowPerGuestCountAndTheCostPerExtraGuest() {
        String text = TextTable.render(ReportTables.mode(report.summary(Mode.POOL).orElseThrow()));
        List<String> lines = text.lines().toList();
        assertThat(lines.get(0)).isEqualTo("pool (tmpfs) (memory in MiB)");
        assertThat(lines.get(3).trim().split("\\s{2,}")).containsExactly("0", "0.0", "200.0", "200.0", "200.0", "-",
                "-200.0", "-", "0.0");
        assertThat(lines.get(6).trim().split("\\s{2,}"))
                .containsExactly("3", "750.0", "200.0", "800.0", "860.0", "-", "400.0 (33%)", "pool 0.0 s", "0.0");
        assertThat(text).contains("per extra guest: 200.0 MiB footprint, 220.0 MiB host used; footprint line at "
                + "0 guests: 200.0 MiB");
    }

    @Test
    void figuresAreRightAlignedUnderTheirHeaders() {
        String text = TextTable.render(ReportTables.mode(report.summary(Mode.OWN_DISK).orElseThrow()));
        List<String> lines = text.lines().toList();
        int headerEnd = lines.get(1).indexOf("footprint") + "footprint".length();
        for (String row : lines.subList(3, 7)) {
            assertThat(row.charAt(headerEnd - 1)).as(row).isNotEqualTo(' ');
            assertThat(row.charAt(headerEnd)).as(row).isEqualTo(' ');
        }
        assertThat(lines.get(2)).matches("-+");
    }

    @Test
    void headlinesSayWhatEachModeSavesAndHowSoon() {
        assertThat(ReportTables.headlines(report)).hasSize(Mode.ALL.size() - 1).contains(
                "pool (tmpfs): saves 400.0 MiB (33%) vs own disk with 3 guest(s); 200.0 MiB per extra guest; "
                        + "saving from ready: pool 0.0 s; ksmd CPU 0.0 s",
                "own disk + KSM: saves 150.0 MiB (13%) vs own disk with 3 guest(s); 350.0 MiB per extra guest; "
                        + "saving from ready: KSM 9.0 s; ksmd CPU 16.5 s",
                "pool (PageCache) + KSM: saves 430.0 MiB (36%) vs own disk with 3 guest(s); 190.0 MiB per extra "
                        + "guest; saving from ready: pool 0.0 s + KSM 9.0 s; ksmd CPU 16.5 s",
                "shared-memfd RAM, own disk: saves 0.0 MiB (0%) vs own disk with 3 guest(s); 400.0 MiB per extra guest; "
                        + "saving from ready: -; ksmd CPU 0.0 s");
    }

    @Test
    void aRowWithTheWrongNumberOfCellsIsRejected() {
        assertThatThrownBy(() -> new ReportTable("t", List.of("a", "b"), List.of(List.of("1")), List.of()))
                .hasMessageContaining("1 cells for 2 headers");
    }

    private static String line(String text, String start) {
        return text.lines().filter(l -> l.startsWith(start)).findFirst().orElseThrow(() -> new AssertionError(
                "no line starting with '" + start + "' in\n" + text));
    }
}
