package dev.libpool.api.v1alpha1;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CRDs committed in crds/ (what `kubectl apply -f crds/` and the Helm chart install) must be exactly what
 * the model generates, so a model change without regenerated YAML fails the build.
 */
class CommittedCrdsTest {
    static final String HOW_TO_UPDATE = "the model changed: update the committed CRDs with "
            + "`./mvnw -B -o -pl crds install -Dlibpool.updateCrds=true` (or `cp crds/target/crds/*.yml crds/`) "
            + "and commit them (the Helm chart's crds/ copy too, once the chart exists)";

    @Test
    void committedCrdsAreWhatTheModelGenerates() throws IOException {
        List<Path> generated = yamlFiles(GeneratedCrd.GENERATED_DIR);
        assertThat(generated).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(GeneratedCrd.POOLS, GeneratedCrd.REPORTS);
        for (Path file : generated) {
            Path committed = Path.of(file.getFileName().toString());
            assertThat(committed).as("crds/%s is missing; %s", committed, HOW_TO_UPDATE).isRegularFile();
            assertThat(Files.readString(committed)).as("crds/%s differs from %s; %s", committed, file, HOW_TO_UPDATE)
                    .isEqualTo(Files.readString(file));
        }
    }

    @Test
    void noCommittedCrdIsLeftOverFromAnOldModel() throws IOException {
        List<String> generated = yamlFiles(GeneratedCrd.GENERATED_DIR).stream().map(p -> p.getFileName().toString()).toList();
        assertThat(yamlFiles(Path.of("."))).extracting(p -> p.getFileName().toString())
                .as("every *.yml in crds/ must be a generated CRD; delete the others")
                .allMatch(generated::contains);
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yml")).sorted().toList();
        }
    }
}
