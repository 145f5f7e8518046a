package dev.libpool.node.ksm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OriginalKnobStoreTest {
    @TempDir
    Path tmp;

    @Test
    void savesLoadsAndDeletes() throws IOException {
        OriginalKnobStore store = new OriginalKnobStore(tmp.resolve("state/ksm-original.json"));
        assertThat(store.load()).isEmpty();
        KsmSettings originals = KsmSettings.none().with(KsmKnob.RUN, 0).with(KsmKnob.PAGES_TO_SCAN, 100)
                .with(KsmKnob.ADVISOR_MODE, "none");
        store.save(originals);
        assertThat(store.load()).contains(originals);
        assertThat(Files.readString(store.file())).contains("\"pages_to_scan\" : \"100\"");
        try (var files = Files.list(tmp.resolve("state"))) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ksm-original.json");
        }
        store.delete();
        assertThat(Files.exists(store.file())).isFalse();
        assertThat(store.load()).isEmpty();
        store.delete(); // deleting twice is fine
    }

    @Test
    void aSecondSaveReplacesTheFirstWhole() throws IOException {
        OriginalKnobStore store = new OriginalKnobStore(tmp.resolve("ksm-original.json"));
        store.save(KsmSettings.none().with(KsmKnob.RUN, 0).with(KsmKnob.PAGES_TO_SCAN, 100));
        store.save(KsmSettings.none().with(KsmKnob.MERGE_ACROSS_NODES, 1));
        assertThat(store.load().orElseThrow().values()).containsOnlyKeys(KsmKnob.MERGE_ACROSS_NODES);
    }

    @Test
    void aDamagedFileIsAClearError() throws IOException {
        Path file = tmp.resolve("ksm-original.json");
        Files.writeString(file, "{\"knobs\":{\"pages_to_scan\":\"100\",\"turbo\":\"1\"}}");
        assertThatThrownBy(() -> new OriginalKnobStore(file).load()).hasMessageContaining("unknown ksm knob turbo");
        Files.writeString(file, "{\"other\":{}}");
        assertThatThrownBy(() -> new OriginalKnobStore(file).load()).hasMessageContaining("has no \"knobs\" object");
    }
}
