package dev.libpool.helm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The chart installs the very CRDs the crds module generates and commits (Helm installs crds/ as is). */
class ChartCrdsTest {
    private static final Path COMMITTED = Path.of("..", "crds");
    private static final Path IN_CHART = Chart.DIR.resolve("crds");
    private static final String FIX = "helm/libpool/crds/ differs from crds/*.yml; fix it from the repository root with:\n"
            + "  rm -f helm/libpool/crds/*.yml && cp crds/*.yml helm/libpool/crds/";

    private static List<String> ymlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml") || n.endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void chartCrdsAreByteIdenticalToTheCommittedOnes() throws IOException {
        List<String> committed = ymlFiles(COMMITTED);
        assertThat(committed).as("the committed CRDs").isNotEmpty();
        assertThat(ymlFiles(IN_CHART)).as(FIX).isEqualTo(committed);
        for (String name : committed) {
            assertThat(Files.readAllBytes(IN_CHART.resolve(name))).as(name + ": " + FIX)
                    .isEqualTo(Files.readAllBytes(COMMITTED.resolve(name)));
        }
    }

    @Test
    void bothApiKindsAreThere() throws IOException {
        assertThat(ymlFiles(IN_CHART)).contains("sharedlibrarypools.libpool.dev-v1.yml", "nodepoolreports.libpool.dev-v1.yml");
        assertThat(Files.readString(IN_CHART.resolve("nodepoolreports.libpool.dev-v1.yml")))
                .contains("kind: \"CustomResourceDefinition\"", "plural: \"nodepoolreports\"", "scope: \"Cluster\"");
    }
}
