package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every field of both kinds survives YAML -> model -> YAML unchanged. */
class ApiSerializationTest {
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    @ParameterizedTest
    @CsvSource({
        "full-pool.yaml, " + GeneratedCrd.POOLS + ", dev.libpool.api.v1alpha1.SharedLibraryPool",
        "full-node-pool-report.yaml, " + GeneratedCrd.REPORTS + ", dev.libpool.api.v1alpha1.NodePoolReport"})
    void roundTripKeepsEveryField(String resource, String crdFile, Class<? extends HasMetadata> kind) throws Exception {
        String yaml = TestResources.read(resource);
        JsonNode original = GeneratedCrd.YAML.readTree(yaml);

        HasMetadata model = SERIALIZATION.unmarshal(yaml, kind);
        JsonNode back = GeneratedCrd.YAML.readTree(SERIALIZATION.asYaml(model));

        assertThat(back).isEqualTo(original);
        assertThat(fieldsMissingFrom(original, GeneratedCrd.load(crdFile).openApiV3Schema(), ""))
                .as("%s must set every field of the schema, so that the round trip covers them all", resource)
                .isEmpty();
    }

    /** Schema properties (recursively, into list items and map values) that the object does not set. */
    static List<String> fieldsMissingFrom(JsonNode object, JsonNode schema, String path) {
        List<String> missing = new ArrayList<>();
        schema.path("properties").properties().forEach(p -> {
            String field = path + "." + p.getKey();
            if (!object.has(p.getKey()) && !hasNoFields(p.getValue())) {
                missing.add(field);
            } else if (object.has(p.getKey())) {
                missing.addAll(fieldsMissingFrom(object.get(p.getKey()), p.getValue(), field));
            }
        });
        if (object.isArray() && schema.has("items")) {
            if (object.isEmpty()) {
                missing.add(path + "[]");
            }
            object.forEach(item -> missing.addAll(fieldsMissingFrom(item, schema.get("items"), path + "[]")));
        }
        return missing;
    }

    /** Like NodePoolReport's spec, which the generator emits for a kind without one: nothing to set. */
    private static boolean hasNoFields(JsonNode schema) {
        return schema.path("type").asText().equals("object") && !schema.has("properties")
                && !schema.has("additionalProperties");
    }
}
