package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.generator.annotation.ValidationRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The generated CRDs carry every CEL rule of the model, each with a message that names its field. */
class ValidationRulesInSchemaTest {
    record SchemaRule(String path, String rule, String message) {
    }

    @Test
    void everyModelRuleIsInTheGeneratedSchema() {
        List<SchemaRule> inSchema = schemaRules();
        List<ValidationRule> inModel = ModelValidationRules.all();

        assertThat(inModel).as("the model has CEL rules").hasSizeGreaterThanOrEqualTo(12);
        for (ValidationRule rule : inModel) {
            assertThat(inSchema).as("x-kubernetes-validations entry for rule %s", rule.value())
                    .anyMatch(r -> r.rule().equals(rule.value()) && r.message().equals(rule.message()));
        }
        assertThat(inSchema).as("every rule in the schema comes from the model").hasSameSizeAs(inModel);
    }

    @Test
    void everyMessageNamesTheFieldItChecks() {
        for (SchemaRule rule : schemaRules()) {
            String field = rule.path().isEmpty() ? "metadata.name" : rule.path().substring(rule.path().lastIndexOf('.') + 1);
            assertThat(rule.message()).as("message of the rule at %s", rule.path().isEmpty() ? "<root>" : rule.path())
                    .contains(field);
        }
    }

    @Test
    void poolNameIsLimitedToWhatTheVmVolumeNameAllows() {
        assertThat(schemaRules()).filteredOn(r -> r.path().isEmpty()).extracting(SchemaRule::rule)
                .contains("size(self.metadata.name) <= " + SharedLibraryPool.MAX_NAME_LENGTH);
        assertThat(("libpool-" + "x".repeat(SharedLibraryPool.MAX_NAME_LENGTH)).length()).isEqualTo(63);
    }

    static List<SchemaRule> schemaRules() {
        List<SchemaRule> rules = new ArrayList<>();
        for (String crd : List.of(GeneratedCrd.POOLS, GeneratedCrd.REPORTS)) {
            collect(GeneratedCrd.load(crd).openApiV3Schema(), "", rules);
        }
        return rules;
    }

    private static void collect(JsonNode schema, String path, List<SchemaRule> into) {
        schema.path("x-kubernetes-validations").forEach(r -> into.add(new SchemaRule(path, r.path("rule").asText(),
                r.path("message").asText())));
        schema.path("properties").properties().forEach(p -> collect(p.getValue(), path + "." + p.getKey(), into));
        if (schema.has("items")) {
            collect(schema.get("items"), path, into);
        }
        if (schema.path("additionalProperties").isObject()) {
            collect(schema.get("additionalProperties"), path, into);
        }
    }
}
