package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;

import java.util.ArrayList;
import java.util.List;

/**
 * Keeps a patched VM on the nodes that serve its pool with one required node affinity expression
 * {@code pool.libpool.dev/<pool> In ["true"]}, added and removed exactly. Not spec.template.spec.nodeSelector:
 * KubeVirt refuses any VM nodeSelector when the VM's instancetype sets one, and instancetypes and preferences
 * have no affinity. The scheduler ORs the nodeSelectorTerms and ANDs the expressions within a term, so the
 * expression goes into every term; the user's preferred terms, pod (anti-)affinity, matchFields and other
 * expressions stay as they are, in their order.
 */
final class NodeAffinityEdit {
    static final String REQUIRED = "/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution";
    static final String TERMS = REQUIRED + "/nodeSelectorTerms";
    private static final String FIELD = "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution";
    private static final String EXPRESSIONS = "matchExpressions";

    private NodeAffinityEdit() {
    }

    /**
     * Adds the pool's expression to {@code vm}; containers it creates are appended to {@code created}.
     *
     * @return what detach needs to remove exactly what was added
     */
    static PatchRecord.NodeAffinity add(ObjectNode vm, String pool, List<String> created) throws CloudInitEdit.Refused {
        String key = VmContract.nodeLabel(pool);
        JsonNode existing = vm.at(TERMS);
        if (existing.isArray()) {
            for (JsonNode term : existing) {
                for (JsonNode expression : term.path(EXPRESSIONS)) {
                    if (key.equals(expression.path("key").asText(null))) {
                        throw new CloudInitEdit.Refused(Refusal.Reason.NodeAffinityTaken, FIELD + " already has an "
                                + "expression with the key " + key + ", which libpool adds so that the VM only runs on "
                                + "nodes that serve pool " + pool + ": remove it from the VM");
                    }
                }
            }
        }
        if (existing.isArray() && !existing.isEmpty()) {
            List<Integer> createdExpressions = new ArrayList<>();
            for (int i = 0; i < existing.size(); i++) {
                // A term without requirements matches no node; an expression would make it match the pool's nodes.
                if (!existing.get(i).isObject() || !hasRequirement(existing.get(i))) {
                    continue;
                }
                ObjectNode term = (ObjectNode) existing.get(i);
                if (!term.path(EXPRESSIONS).isArray()) {
                    term.putArray(EXPRESSIONS);
                    createdExpressions.add(i);
                }
                expression((ArrayNode) term.get(EXPRESSIONS), key);
            }
            return new PatchRecord.NodeAffinity(key, null, createdExpressions.isEmpty() ? null : createdExpressions);
        }
        ArrayNode terms = Json.ensureArray(vm, TERMS, created);
        expression(terms.addObject().putArray(EXPRESSIONS), key);
        return new PatchRecord.NodeAffinity(key, true, null);
    }

    /** Removes what {@code added} says was added; the containers libpool created are left to the record's list. */
    static void remove(ObjectNode vm, PatchRecord.NodeAffinity added) {
        Json.array(vm, TERMS).ifPresent(terms -> {
            List<Integer> createdExpressions = added.createdExpressions() == null ? List.of() : added.createdExpressions();
            boolean termToRemove = Boolean.TRUE.equals(added.addedTerm());
            for (int i = terms.size() - 1; i >= 0; i--) {
                if (!(terms.get(i) instanceof ObjectNode term) || !(term.get(EXPRESSIONS) instanceof ArrayNode list)) {
                    continue;
                }
                boolean removed = false;
                for (int j = list.size() - 1; j >= 0; j--) {
                    if (added.key().equals(list.get(j).path("key").asText(null))) {
                        list.remove(j);
                        removed = true;
                    }
                }
                if (removed && list.isEmpty() && createdExpressions.contains(i)) {
                    term.remove(EXPRESSIONS);
                } else if (removed && list.isEmpty() && term.size() == 1 && termToRemove) {
                    terms.remove(i);
                    termToRemove = false;
                }
            }
        });
    }

    private static boolean hasRequirement(JsonNode term) {
        return !term.path(EXPRESSIONS).isEmpty() || !term.path("matchFields").isEmpty();
    }

    private static void expression(ArrayNode expressions, String key) {
        expressions.addObject().put("key", key).put("operator", "In").putArray("values").add(VmContract.NODE_LABEL_VALUE);
    }
}
