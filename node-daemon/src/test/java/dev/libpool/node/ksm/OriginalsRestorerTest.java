package dev.libpool.node.ksm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.libpool.node.ksm.KsmFixture.read;
import static org.assertj.core.api.Assertions.assertThat;

class OriginalsRestorerTest {
    @TempDir
    Path tmp;

    @Test
    void anOriginalAdvisorGetsItsModeBackButNotAPagesToScanOfItsOwn() throws Exception {
        Path sysfs = KsmFixture.copy("kernel-6.18", tmp);
        KsmFixture.write(sysfs, "pages_to_scan", "1000");
        OriginalKnobStore store = new OriginalKnobStore(tmp.resolve("o.json"));
        store.save(KsmSettings.none().with(KsmKnob.ADVISOR_MODE, "scan-time").with(KsmKnob.PAGES_TO_SCAN, 777)
                .with(KsmKnob.RUN, 1));
        OriginalsRestorer.Result result = new OriginalsRestorer(new KsmSysfs(sysfs, 4096), store).restore();
        assertThat(result.written().toString()).isEqualTo("advisor_mode=scan-time, run=1");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("1000");
        assertThat(Files.exists(store.file())).isFalse();
    }

    @Test
    void originalValuesOutsideTheApiRangesAreWrittenBackAsTheKernelHadThem() throws Exception {
        Path sysfs = KsmFixture.copy("kernel-6.18", tmp);
        OriginalKnobStore store = new OriginalKnobStore(tmp.resolve("o.json"));
        store.save(KsmSettings.none().with(KsmKnob.SLEEP_MILLISECS, 0).with(KsmKnob.PAGES_TO_SCAN, 0));
        new OriginalsRestorer(new KsmSysfs(sysfs, 4096), store).restore();
        assertThat(read(sysfs, "sleep_millisecs")).isEqualTo("0");
        assertThat(read(sysfs, "pages_to_scan")).isEqualTo("0");
    }

    @Test
    void nothingSavedIsNothingToDo() throws Exception {
        Path sysfs = KsmFixture.copy("kernel-6.18", tmp);
        OriginalsRestorer.Result result = new OriginalsRestorer(new KsmSysfs(sysfs, 4096),
                new OriginalKnobStore(tmp.resolve("o.json"))).restore();
        assertThat(result.hadOriginals()).isFalse();
    }
}
