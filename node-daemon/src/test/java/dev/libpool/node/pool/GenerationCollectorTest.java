package dev.libpool.node.pool;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class GenerationCollectorTest {

    private final Path current = Path.of("cc.img"), mappedOld = Path.of("aa.img"), unmappedOld = Path.of("bb.img"),
            temp = Path.of(".tmp-dd");
    private final FileKey currentKey = new FileKey(0, 47, 1), mappedKey = new FileKey(0, 47, 2),
            unmappedKey = new FileKey(0, 47, 3), tempKey = new FileKey(0, 47, 4);
    private final Map<Path, FileKey> files = new LinkedHashMap<>(Map.of(current, currentKey, mappedOld, mappedKey,
            unmappedOld, unmappedKey, temp, tempKey));

    @Test
    void removesOnlyWhatIsNeitherCurrentNorMapped() {
        assertThat(GenerationCollector.removable(files, Optional.of(currentKey), Set.of(mappedKey)))
                .containsExactlyInAnyOrder(unmappedOld, temp);
    }

    @Test
    void neverRemovesAMappedFileEvenWithoutACurrentGeneration() {
        assertThat(GenerationCollector.removable(files, Optional.empty(), Set.of(mappedKey, currentKey)))
                .containsExactlyInAnyOrder(unmappedOld, temp);
    }

    @Test
    void theCurrentGenerationStaysUnmapped() {
        assertThat(GenerationCollector.removable(Map.of(current, currentKey), Optional.of(currentKey), Set.of())).isEmpty();
    }
}
