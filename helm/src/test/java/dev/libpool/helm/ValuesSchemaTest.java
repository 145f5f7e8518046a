package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** values.schema.json refuses bad values with a message naming the value; values.yaml documents every value. */
class ValuesSchemaTest {
    private static final Path BAD = Path.of("src", "test", "resources", "bad-values");

    @ParameterizedTest(name = "{0} is refused naming {1}")
    @CsvSource({
            "pull-policy.yaml,        image.pullPolicy",
            "unknown-key.yaml,        replica",
            "no-memory-limit.yaml,    nodeDaemon.resources",
            "relative-state-dir.yaml, nodeDaemon.stateDir",
            "zero-replicas.yaml,      operator.replicas",
            "bad-duration.yaml,       metrics.prometheusRule.for",
            "bad-toleration.yaml,     nodeDaemon.tolerations.0",
            "container-disk-mode.yaml, nodeDaemon.containerDiskMode",
            "selinux-context.yaml,    nodeDaemon.selinuxMountContext"})
    void badValuesFileIsRefusedWithTheValueNamed(String file, String named) {
        assertThatThrownBy(() -> Chart.template(BAD.resolve(file)))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(named);
    }

    @Test
    void theDefaultsAndTheCustomExampleAreAccepted() {
        assertThat(Chart.template(Map.of())).contains("kind: Deployment");
        assertThat(Chart.template(Path.of("src/test/resources/custom-values.yaml"))).contains("kind: Deployment");
    }

    @Test
    void everyValueInValuesYamlHasACommentAndIsInTheSchema() throws IOException {
        List<String> lines = Files.readAllLines(Chart.DIR.resolve("values.yaml"));
        JsonNode schema = new YAMLMapper().readTree(Chart.DIR.resolve("values.schema.json").toFile());
        List<String> undocumented = new ArrayList<>();
        List<String> notInSchema = new ArrayList<>();
        List<String> path = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#") || trimmed.startsWith("-") || !trimmed.contains(":")) {
                continue;
            }
            int depth = (line.length() - line.stripLeading().length()) / 2;
            String key = trimmed.substring(0, trimmed.indexOf(':'));
            while (path.size() > depth) {
                path.remove(path.size() - 1);
            }
            path.add(key);
            boolean commented = i > 0 && lines.get(i - 1).strip().startsWith("#");
            boolean section = trimmed.endsWith(":") && depth == 0;
            if (!commented && !section && !isChildOfCommentedMap(lines, i, depth)) {
                undocumented.add(String.join(".", path));
            }
            if (!inSchema(schema, path)) {
                notInSchema.add(String.join(".", path));
            }
        }
        assertThat(undocumented).as("values without a comment line above them").isEmpty();
        assertThat(notInSchema).as("values the schema does not describe").isEmpty();
    }

    /** requests/limits inside a commented resources block share its comment. */
    private static boolean isChildOfCommentedMap(List<String> lines, int index, int depth) {
        for (int j = index - 1; j >= 0; j--) {
            String l = lines.get(j);
            int d = (l.length() - l.stripLeading().length()) / 2;
            if (!l.strip().isEmpty() && !l.strip().startsWith("#") && d < depth) {
                return l.strip().endsWith(":") && j > 0 && lines.get(j - 1).strip().startsWith("#")
                        && l.strip().startsWith("resources");
            }
        }
        return false;
    }

    private static boolean inSchema(JsonNode schema, List<String> path) {
        JsonNode node = schema;
        for (String key : path) {
            node = resolve(schema, node);
            JsonNode props = node.path("properties");
            if (!props.has(key)) {
                return node.path("additionalProperties").isObject() || "object".equals(node.path("type").asText())
                        && !node.has("additionalProperties") && !node.has("properties");
            }
            node = props.get(key);
        }
        return true;
    }

    private static JsonNode resolve(JsonNode root, JsonNode node) {
        if (node.has("$ref")) {
            return root.at(node.get("$ref").asText().substring(1));
        }
        if (node.has("allOf")) {
            for (Iterator<JsonNode> it = node.get("allOf").elements(); it.hasNext(); ) {
                JsonNode part = resolve(root, it.next());
                if (part.has("properties")) {
                    return part;
                }
            }
        }
        return node;
    }
}
