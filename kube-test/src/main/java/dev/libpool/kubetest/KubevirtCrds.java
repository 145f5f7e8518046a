package dev.libpool.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CRDs of KubeVirt's VirtualMachine, VirtualMachineInstance and KubeVirt, built from KubeVirt's OpenAPI
 * document (kubevirt/openapi-swagger.json) the way controller-gen builds KubeVirt's own: structural schemas
 * with every reference inlined, quantities as int-or-string, embedded object metadata and raw extensions kept
 * as they come (x-kubernetes-preserve-unknown-fields). Descriptions and defaults are left out: the server
 * validates and prunes by structure, and KubeVirt defaults in its webhooks, which a test cluster has not.
 */
public final class KubevirtCrds {
    public static final String GROUP = "kubevirt.io";
    public static final String VERSION = "v1";
    static final String SWAGGER = "/kubevirt/openapi-swagger.json";

    /** One KubeVirt kind: its OpenAPI definition and its resource names. */
    record Kind(String definition, String kind, String plural, String singular, List<String> shortNames) {
        String crdName() {
            return plural + "." + GROUP;
        }
    }

    static final List<Kind> KINDS = List.of(
            new Kind("v1.VirtualMachine", "VirtualMachine", "virtualmachines", "virtualmachine", List.of("vm", "vms")),
            new Kind("v1.VirtualMachineInstance", "VirtualMachineInstance", "virtualmachineinstances",
                    "virtualmachineinstance", List.of("vmi", "vmis")),
            new Kind("v1.KubeVirt", "KubeVirt", "kubevirts", "kubevirt", List.of("kv", "kvs")));

    private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
    private static final Set<String> INT_OR_STRING = Set.of("k8s.io.apimachinery.pkg.api.resource.Quantity",
            "k8s.io.apimachinery.pkg.util.intstr.IntOrString");
    private static final Set<String> OPAQUE = Set.of("k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1");
    private static final Map<String, String> STRINGS = Map.of(META + "Time", "date-time", META + "MicroTime", "date-time",
            META + "Duration", "");
    /** Schema keywords that carry over unchanged. */
    private static final List<String> KEPT = List.of("type", "format", "enum", "required", "nullable",
            "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-map-type");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonNode definitions;

    KubevirtCrds(JsonNode swagger) {
        this.definitions = swagger.path("definitions");
    }

    /** The three CRDs from the OpenAPI document this module ships. */
    public static List<CustomResourceDefinition> fromBundledSwagger() {
        try (InputStream in = KubevirtCrds.class.getResourceAsStream(SWAGGER)) {
            return new KubevirtCrds(JSON.readTree(in)).crds();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<CustomResourceDefinition> crds() {
        return KINDS.stream().map(this::crd).toList();
    }

    CustomResourceDefinition crd(Kind kind) {
        ObjectNode crd = NODES.objectNode();
        crd.put("apiVersion", "apiextensions.k8s.io/v1").put("kind", "CustomResourceDefinition");
        crd.putObject("metadata").put("name", kind.crdName());
        ObjectNode spec = crd.putObject("spec");
        spec.put("group", GROUP).put("scope", "Namespaced");
        ObjectNode names = spec.putObject("names");
        names.put("kind", kind.kind()).put("listKind", kind.kind() + "List")
                .put("plural", kind.plural()).put("singular", kind.singular());
        names.putArray("shortNames").addAll(kind.shortNames().stream().map(NODES::textNode).toList());
        ObjectNode version = spec.putArray("versions").addObject();
        version.put("name", VERSION).put("served", true).put("storage", true);
        version.putObject("subresources").putObject("status");
        version.putObject("schema").set("openAPIV3Schema", root(kind.definition()));
        return JSON.convertValue(crd, CustomResourceDefinition.class);
    }

    /** The top-level schema: the API server owns metadata, so it is a plain object there, as controller-gen has it. */
    ObjectNode root(String definition) {
        ObjectNode schema = definition(definition, new ArrayDeque<>());
        ((ObjectNode) schema.path("properties")).set("metadata", NODES.objectNode().put("type", "object"));
        return schema;
    }

    private ObjectNode definition(String name, Deque<String> path) {
        JsonNode def = definitions.get(name);
        if (def == null) {
            throw new IllegalArgumentException("no definition " + name + " in KubeVirt's OpenAPI document");
        }
        path.push(name);
        ObjectNode schema = schema(def, path);
        path.pop();
        return schema;
    }

    private ObjectNode schema(JsonNode node, Deque<String> path) {
        if (node.has("$ref")) {
            return reference(node.get("$ref").asText().substring("#/definitions/".length()), path);
        }
        if (node.path("type").isArray()) { // Quantity-like: "type": ["string", "integer", "number"]
            return intOrString();
        }
        ObjectNode out = NODES.objectNode();
        for (String keyword : KEPT) {
            if (node.has(keyword)) {
                out.set(keyword, node.get(keyword).deepCopy());
            }
        }
        if (node.has("items")) {
            out.set("items", schema(node.get("items"), path));
        }
        if (node.has("properties")) {
            ObjectNode properties = out.putObject("properties");
            node.get("properties").fields().forEachRemaining(p -> properties.set(p.getKey(), schema(p.getValue(), path)));
        }
        JsonNode additional = node.get("additionalProperties");
        if (additional != null && additional.isObject()) {
            out.set("additionalProperties", schema(additional, path));
        }
        if (!out.has("type")) {
            out.put("type", node.has("properties") || additional != null ? "object" : "string");
        }
        if (out.get("type").asText().equals("object") && !out.has("properties") && !out.has("additionalProperties")) {
            out.put("x-kubernetes-preserve-unknown-fields", true); // free-form object: keep what the user wrote
        }
        return out;
    }

    private ObjectNode reference(String name, Deque<String> path) {
        if (INT_OR_STRING.contains(name)) {
            return intOrString();
        }
        if (STRINGS.containsKey(name)) {
            ObjectNode s = NODES.objectNode().put("type", "string");
            return STRINGS.get(name).isEmpty() ? s : s.put("format", STRINGS.get(name));
        }
        if (OPAQUE.contains(name) || name.equals(META + "ObjectMeta") || path.contains(name)) {
            // embedded metadata (a VM's template), raw extensions, and the rare recursive type: kept as written
            return NODES.objectNode().put("type", "object").put("x-kubernetes-preserve-unknown-fields", true);
        }
        return definition(name, path);
    }

    private static ObjectNode intOrString() {
        ObjectNode s = NODES.objectNode();
        ArrayNode anyOf = s.putArray("anyOf");
        anyOf.addObject().put("type", "integer");
        anyOf.addObject().put("type", "string");
        return s.put("x-kubernetes-int-or-string", true);
    }
}
