package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.NullValue;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Evaluates a rendered ValidatingAdmissionPolicy the way the API server does (matchConditions, then
 * variables in order, then validations), with the CEL of its expressions compiled and run by cel-java.
 * It stands in for the API server only where none runs (NodeReportPolicyIT checks the same policy on
 * a real one); the expressions, the variable order and the messages are the chart's own.
 */
final class NodeReportPolicy {
    private final JsonNode spec;
    private final Cel cel = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addVar("request", SimpleType.DYN)
            .addVar("object", SimpleType.DYN)
            .addVar("oldObject", SimpleType.DYN)
            .addVar("variables", SimpleType.DYN)
            .build();

    NodeReportPolicy(JsonNode policy) {
        this.spec = policy.path("spec");
    }

    /** An admission request as the API server builds it for a write to a NodePoolReport. */
    static Map<String, Object> request(String operation, String username, Map<String, List<String>> extra) {
        Map<String, Object> userInfo = new LinkedHashMap<>();
        userInfo.put("username", username);
        userInfo.put("groups", List.of("system:serviceaccounts", "system:authenticated"));
        if (!extra.isEmpty()) {
            userInfo.put("extra", extra);
        }
        return Map.of("operation", operation, "userInfo", userInfo);
    }

    static Map<String, Object> report(String name) {
        return Map.of("apiVersion", "libpool.dev/v1alpha1", "kind", "NodePoolReport", "metadata", Map.of("name", name));
    }

    /** Empty when admitted; else the message of the first failing validation. Null objects stand for absent ones. */
    Optional<String> admit(Map<String, Object> request, Map<String, Object> object, Map<String, Object> oldObject) {
        Map<String, Object> vars = new HashMap<>();
        vars.put("request", mutableCopy(request));
        vars.put("object", object == null ? NullValue.NULL_VALUE : mutableCopy(object));
        vars.put("oldObject", oldObject == null ? NullValue.NULL_VALUE : mutableCopy(oldObject));
        Map<String, Object> variables = new LinkedHashMap<>();
        vars.put("variables", variables);
        for (JsonNode condition : spec.path("matchConditions")) {
            if (!(Boolean) eval(condition.path("expression").asText(), vars)) {
                return Optional.empty(); // not matched: the policy does not apply
            }
        }
        for (JsonNode variable : spec.path("variables")) {
            variables.put(variable.path("name").asText(), eval(variable.path("expression").asText(), vars));
        }
        for (JsonNode validation : spec.path("validations")) {
            if (!(Boolean) eval(validation.path("expression").asText(), vars)) {
                return Optional.of(validation.has("messageExpression")
                        ? (String) eval(validation.path("messageExpression").asText(), vars)
                        : validation.path("message").asText());
            }
        }
        return Optional.empty();
    }

    /** Operations and resources the policy intercepts, as "OPERATION resource" pairs. */
    List<String> intercepted() {
        List<String> pairs = new ArrayList<>();
        for (JsonNode rule : spec.path("matchConstraints").path("resourceRules")) {
            rule.path("operations").forEach(op -> rule.path("resources").forEach(res -> pairs.add(op.asText() + " " + res.asText())));
        }
        return pairs;
    }

    private Object eval(String expression, Map<String, Object> vars) {
        try {
            return cel.createProgram(cel.compile(expression).getAst()).eval(vars);
        } catch (CelValidationException e) {
            throw new IllegalStateException("policy expression does not compile: " + expression + "\n" + e.getMessage(), e);
        } catch (CelEvaluationException e) {
            // The API server answers such a request with failurePolicy (Fail: denied), never silently.
            throw new IllegalStateException("policy expression fails to evaluate: " + expression + ": " + e.getMessage(), e);
        }
    }

    /** cel-java's runtime dispatches on ArrayList/LinkedHashMap-style collections, not on List.of/Map.of. */
    private static Object mutableCopy(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, v) -> copy.put(k, mutableCopy(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return new ArrayList<>(list.stream().map(NodeReportPolicy::mutableCopy).toList());
        }
        return value;
    }
}
