package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/** The chart in helm/libpool, rendered by real Helm (helm-java) as `helm template` would. */
final class Chart {
    /** Where the chart lives, relative to this module (helm/). */
    static final Path DIR = Path.of("libpool");
    static final String RELEASE = "libpool";
    static final String NAMESPACE = "libpool-system";
    private static final ObjectMapper YAML = new YAMLMapper();

    private Chart() {
    }

    static Helm helm() {
        return new Helm(DIR);
    }

    /** The rendered manifest text for the given --set values (none = the defaults). */
    static String template(Map<String, Object> values) {
        TemplateCommand cmd = helm().template().withName(RELEASE).withNamespace(NAMESPACE);
        values.forEach(cmd::set);
        return cmd.call();
    }

    static String template(Path valuesFile) {
        return helm().template().withName(RELEASE).withNamespace(NAMESPACE).withValuesFile(valuesFile).call();
    }

    static Rendered render(Map<String, Object> values) {
        return Rendered.parse(template(values));
    }

    /** The objects of one rendering, in order. */
    record Rendered(List<JsonNode> objects) {
        static Rendered parse(String manifest) {
            List<JsonNode> objects = new ArrayList<>();
            try (var parser = new YAMLFactory().createParser(manifest)) {
                for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                    JsonNode doc = it.next();
                    if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                        objects.add(doc);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("helm rendered YAML that does not parse", e);
            }
            return new Rendered(List.copyOf(objects));
        }

        List<JsonNode> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
        }

        JsonNode get(String kind, String name) {
            return ofKind(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText()))
                    .findFirst().orElseThrow(() -> new NoSuchElementException("no " + kind + " " + name + " rendered"));
        }
    }
}
