package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Validates an object against a CRD's openAPIV3Schema the way the API server does, in its order: apply the
 * schema's defaults, check the structure (types, enums, patterns, bounds, required fields, and no unknown fields,
 * as kubectl's strict field validation does), then evaluate every x-kubernetes-validations CEL rule on the value
 * it is attached to.
 */
final class CrdValidator {
    /** CRD schemas are OpenAPI 3.0 schema objects; the x-kubernetes extensions are checked here, not by it. */
    private static final Dialect KUBERNETES_DIALECT = Dialect.builder(Dialects.getOpenApi30())
            .keywords(Stream.of("x-kubernetes-validations", "x-kubernetes-int-or-string",
                            "x-kubernetes-preserve-unknown-fields", "x-kubernetes-list-type", "x-kubernetes-list-map-keys",
                            "x-kubernetes-map-type")
                    .map(NonValidationKeyword::new).toList())
            .build();
    private final JsonNode schema;
    private final Schema structural;
    private final Cel cel = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("self", SimpleType.DYN)
            .addFunctionDeclarations(KubernetesQuantityLibrary.declarations())
            .addFunctionBindings(KubernetesQuantityLibrary.bindings())
            .build();

    CrdValidator(JsonNode openApiV3Schema) {
        this.schema = openApiV3Schema;
        this.structural = SchemaRegistry.withDefaultDialect(KUBERNETES_DIALECT)
                .getSchema(strict(openApiV3Schema).toString(), InputFormat.JSON);
    }

    static CrdValidator of(String crdFileName) {
        return new CrdValidator(GeneratedCrd.load(crdFileName).openApiV3Schema());
    }

    /** The object as the API server stores it: the schema's defaults filled in, recursively. */
    JsonNode withDefaults(JsonNode object) {
        JsonNode copy = object.deepCopy();
        applyDefaults(schema, copy);
        return copy;
    }

    /** One message per violation ("path: message"); empty when the API server would accept the object. */
    List<String> violations(JsonNode object) {
        JsonNode defaulted = withDefaults(object);
        List<String> found = new ArrayList<>();
        structural.validate(defaulted.toString(), InputFormat.JSON)
                .forEach(e -> found.add(fieldPath(e.getInstanceLocation().toString()) + ": " + e.getMessage()));
        if (found.isEmpty()) {
            evaluateRules(schema, defaulted, "", found);
        }
        return found;
    }

    /** A JSON pointer (/spec/ksm/policy) as the API server names the field (spec.ksm.policy). */
    private static String fieldPath(String pointer) {
        return pointer.isEmpty() || pointer.equals("/") ? "<root>" : pointer.substring(1).replace('/', '.');
    }

    private static void applyDefaults(JsonNode schema, JsonNode value) {
        if (value instanceof ObjectNode object) {
            schema.path("properties").properties().forEach(p -> {
                if (!object.has(p.getKey()) && p.getValue().has("default")) {
                    object.set(p.getKey(), p.getValue().get("default").deepCopy());
                }
                if (object.has(p.getKey())) {
                    applyDefaults(p.getValue(), object.get(p.getKey()));
                }
            });
            if (schema.path("additionalProperties").isObject()) {
                object.forEach(child -> applyDefaults(schema.get("additionalProperties"), child));
            }
        } else if (value.isArray() && schema.has("items")) {
            value.forEach(item -> applyDefaults(schema.get("items"), item));
        }
    }

    private void evaluateRules(JsonNode schema, JsonNode value, String path, List<String> found) {
        for (JsonNode rule : schema.path("x-kubernetes-validations")) {
            if (!evaluate(rule.get("rule").asText(), value, path)) {
                found.add((path.isEmpty() ? "<root>" : path.substring(1)) + ": " + rule.get("message").asText());
            }
        }
        if (value.isObject()) {
            schema.path("properties").properties().forEach(p -> {
                if (value.has(p.getKey())) {
                    evaluateRules(p.getValue(), value.get(p.getKey()), path + "." + p.getKey(), found);
                }
            });
            if (schema.path("additionalProperties").isObject()) {
                value.properties().forEach(e -> evaluateRules(schema.get("additionalProperties"), e.getValue(),
                        path + "." + e.getKey(), found));
            }
        } else if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                evaluateRules(schema.get("items"), value.get(i), path + "[" + i + "]", found);
            }
        }
    }

    private boolean evaluate(String rule, JsonNode self, String path) {
        try {
            Object result = cel.createProgram(cel.compile(rule).getAst()).eval(Map.of("self", toCel(self)));
            if (result instanceof Boolean b) {
                return b;
            }
            throw new IllegalStateException("rule at " + path + " does not yield a bool: " + rule);
        } catch (CelValidationException e) {
            throw new IllegalStateException("rule at " + path + " does not compile: " + rule + "\n" + e.getMessage(), e);
        } catch (CelEvaluationException e) {
            // The API server rejects the object when a rule fails to evaluate, with the evaluation error.
            throw new IllegalStateException("rule at " + path + " fails to evaluate: " + rule + ": " + e.getMessage(), e);
        }
    }

    /** JSON to the values CEL expects: maps, lists, long, double, string, bool. */
    private static Object toCel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), toCel(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(item -> list.add(toCel(item)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return node.asText();
    }

    /**
     * The schema with unknown fields forbidden wherever it lists properties (the API server would prune them
     * silently and kubectl --validate=strict rejects them: either way an example must not have any), plus the
     * fields every object has at its root.
     */
    private static JsonNode strict(JsonNode schema) {
        ObjectNode copy = schema.deepCopy();
        forbidUnknownFields(copy);
        ObjectNode properties = (ObjectNode) copy.get("properties");
        properties.putObject("apiVersion").put("type", "string");
        properties.putObject("kind").put("type", "string");
        properties.putObject("metadata").put("type", "object");
        return copy;
    }

    private static void forbidUnknownFields(JsonNode schema) {
        if (!(schema instanceof ObjectNode object)) {
            return;
        }
        if (object.has("properties") && !object.has("additionalProperties")
                && !object.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
            object.put("additionalProperties", false);
        }
        object.path("properties").forEach(CrdValidator::forbidUnknownFields);
        forbidUnknownFields(object.path("items"));
        forbidUnknownFields(object.path("additionalProperties"));
    }
}
