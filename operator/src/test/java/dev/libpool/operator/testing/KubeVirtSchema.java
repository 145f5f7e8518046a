package dev.libpool.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialect;
import com.networknt.schema.dialect.Dialects;
import com.networknt.schema.keyword.NonValidationKeyword;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * KubeVirt's OpenAPI schema (test resource kubevirt/openapi-swagger.json, v1.9) applied to a VirtualMachine,
 * strictly: an object with declared properties admits no others, as the API server's strict field validation
 * refuses unknown fields.
 */
public final class KubeVirtSchema {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** OpenAPI 2 schema objects are draft 4 plus annotations that do not validate. */
    private static final Dialect OPENAPI_2 = Dialect.builder(Dialects.getDraft4())
            .keywords(Stream.of("x-kubernetes-list-type", "x-kubernetes-map-type", "x-kubernetes-patch-strategy",
                            "x-kubernetes-list-map-keys", "x-kubernetes-patch-merge-key", "nullable")
                    .map(NonValidationKeyword::new).toList())
            .build();
    private static final Schema VIRTUAL_MACHINE = load("v1.VirtualMachine");

    private KubeVirtSchema() {
    }

    /** One "path: message" per violation; empty when the VM conforms. */
    public static List<String> violations(JsonNode vm) {
        List<String> found = new ArrayList<>();
        VIRTUAL_MACHINE.validate(vm.toString(), InputFormat.JSON)
                .forEach(e -> found.add(e.getInstanceLocation() + ": " + e.getMessage()));
        return found;
    }

    private static Schema load(String definition) {
        try (InputStream in = KubeVirtSchema.class.getResourceAsStream("/kubevirt/openapi-swagger.json")) {
            JsonNode swagger = JSON.readTree(in);
            ObjectNode definitions = (ObjectNode) swagger.get("definitions").deepCopy();
            definitions.forEach(KubeVirtSchema::strict);
            ObjectNode root = JSON.createObjectNode();
            root.put("$ref", "#/definitions/" + definition);
            root.set("definitions", definitions);
            return SchemaRegistry.withDefaultDialect(OPENAPI_2).getSchema(root.toString(), InputFormat.JSON);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the KubeVirt OpenAPI schema", e);
        }
    }

    private static void strict(JsonNode schema) {
        if (!schema.isObject()) {
            return;
        }
        ObjectNode object = (ObjectNode) schema;
        if (object.has("properties") && !object.has("additionalProperties")) {
            object.put("additionalProperties", false);
        }
        object.path("properties").forEach(KubeVirtSchema::strict);
        strict(object.path("items"));
        strict(object.path("additionalProperties"));
    }
}
