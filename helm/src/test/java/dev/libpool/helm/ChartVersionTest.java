package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The chart's appVersion is the tag `./libpool images` gives the images: the project version without -SNAPSHOT. */
class ChartVersionTest {

    @Test
    void appVersionIsTheImagesTag() throws IOException {
        Matcher m = Pattern.compile("<artifactId>libpool-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("..", "pom.xml")));
        assertThat(m.find()).isTrue();
        String tag = m.group(1).replace("-SNAPSHOT", "");
        JsonNode chart = new YAMLMapper().readTree(Chart.DIR.resolve("Chart.yaml").toFile());
        assertThat(chart.path("appVersion").asText()).as("Chart.yaml appVersion vs the project version in pom.xml").isEqualTo(tag);
        assertThat(ChartRenderingTest.operatorContainer(Chart.render(java.util.Map.of())).path("image").asText())
                .isEqualTo("libpool/operator:" + tag);
    }
}
