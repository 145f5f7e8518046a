package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.operator.testing.KubeVirtAdmission;
import dev.libpool.operator.testing.VmFixtures;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Set;

import static dev.libpool.operator.vm.VmPatchPlanTest.CLOUD_INIT;
import static dev.libpool.operator.vm.VmPatchPlanTest.NO_SETUP;
import static dev.libpool.operator.vm.VmPatchPlanTest.apply;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A patched VM only schedules onto nodes that serve its pool: one required node affinity expression
 * {@code pool.libpool.dev/<pool> In ["true"]} in every nodeSelectorTerm (terms are ORed, expressions within a term
 * ANDed), added and removed exactly, the user's own affinity kept as it is.
 */
class NodeConstraintTest {
    private static final String KEY = VmContract.nodeLabel("base");
    private static final String TERMS = NodeAffinityEdit.TERMS;
    private static final String OURS = "{\"key\":\"" + KEY + "\",\"operator\":\"In\",\"values\":[\"true\"]}";
    private static final List<String> FORMS = List.of("none", "own-selector", "preferred-only", "one-term", "two-terms",
            "match-fields", "empty-terms", "pod-affinity");

    @Test
    void everyRequiredTermGetsThePoolsExpressionAndDetachRestoresTheVmByteForByte() throws Exception {
        for (String form : FORMS) {
            ObjectNode vm = vm(form);
            JsonNode patched = apply(VmPatchPlan.plan(vm, Optional.of(CLOUD_INIT)).patch().orElseThrow(), vm);
            JsonNode terms = patched.at(TERMS);
            int userTerms = vm.at(TERMS).size();
            assertThat(terms.size()).as(form).isEqualTo(Math.max(1, userTerms));
            for (int i = 0; i < terms.size(); i++) {
                JsonNode expressions = terms.get(i).get("matchExpressions");
                assertThat(expressions.get(expressions.size() - 1).toString()).as(form + " term " + i).isEqualTo(OURS);
                JsonNode before = vm.at(TERMS + "/" + i + "/matchExpressions");
                for (int j = 0; j < before.size(); j++) {
                    assertThat(expressions.get(j)).as("the user's expressions stay first, in order").isEqualTo(before.get(j));
                }
                assertThat(terms.get(i).get("matchFields")).isEqualTo(vm.at(TERMS + "/" + i).get("matchFields"));
            }
            for (String kept : List.of("/nodeAffinity/preferredDuringSchedulingIgnoredDuringExecution", "/podAffinity",
                    "/podAntiAffinity")) {
                assertThat(patched.at("/spec/template/spec/affinity" + kept)).as(form)
                        .isEqualTo(vm.at("/spec/template/spec/affinity" + kept));
            }
            assertThat(patched.at("/spec/template/spec/nodeSelector")).as("no nodeSelector: instancetypes may set one")
                    .isEqualTo(vm.at("/spec/template/spec/nodeSelector"));
            assertThat(KubeVirtAdmission.violations(patched, Set.of("Sidecar", "HostDisk"))).as(form).isEmpty();
            assertThat(VmPatchPlan.plan(patched, Optional.of(CLOUD_INIT)).patch()).as(form).isEmpty();

            JsonNode restored = apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched);
            assertThat(restored.toString()).as(form).isEqualTo(vm.toString());
        }
    }

    /** A term without requirements matches no node; an expression would make it match, so it is left alone. */
    @Test
    void aTermWithoutRequirementsIsLeftMatchingNoNode() {
        ObjectNode vm = vm("one-term");
        ((ArrayNode) vm.at(TERMS)).addObject();
        JsonNode patched = apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        assertThat(patched.at(TERMS + "/1").toString()).isEqualTo("{}");
        assertThat(patched.at(TERMS + "/0/matchExpressions/1").toString()).isEqualTo(OURS);
        assertThat(apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched).toString())
                .isEqualTo(vm.toString());

        ObjectNode nowhere = vm("empty-terms");
        ((ArrayNode) nowhere.at(TERMS)).addObject();
        JsonNode stillNowhere = apply(VmPatchPlan.plan(nowhere, Optional.of(NO_SETUP)).patch().orElseThrow(), nowhere);
        assertThat(stillNowhere.at(TERMS).toString()).as("a VM that matches no node is not made to match some")
                .isEqualTo("[{}]");
        assertThat(apply(VmPatchPlan.plan(stillNowhere, Optional.empty()).patch().orElseThrow(), stillNowhere).toString())
                .isEqualTo(nowhere.toString());
    }

    @Test
    void aVmThatMovesToAnotherPoolGetsThatPoolsExpressionOnly() {
        for (String form : List.of("none", "two-terms", "match-fields")) {
            ObjectNode vm = vm(form);
            JsonNode base = apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
            Attachment other = new Attachment("other", VmContract.poolFile(VmContract.DEFAULT_STATE_DIR, "other"),
                    306184192L, Optional.empty(), "");
            JsonNode moved = apply(VmPatchPlan.plan(base, Optional.of(other)).patch().orElseThrow(), base);
            assertThat(moved.at(TERMS).toString()).as(form).doesNotContain(KEY);
            for (JsonNode term : moved.at(TERMS)) {
                JsonNode expressions = term.get("matchExpressions");
                assertThat(expressions.get(expressions.size() - 1).toString())
                        .isEqualTo(OURS.replace(KEY, VmContract.nodeLabel("other")));
            }
            assertThat(apply(VmPatchPlan.plan(moved, Optional.empty()).patch().orElseThrow(), moved).toString())
                    .as(form).isEqualTo(vm.toString());
        }
    }

    @Test
    void aVmWhoseOwnAffinityHasThePoolsKeyIsRefusedNamingTheField() {
        ObjectNode vm = vm("two-terms");
        ((ArrayNode) vm.at(TERMS + "/1/matchExpressions")).addObject().put("key", KEY).put("operator", "Exists");
        VmPatchPlan.Plan plan = VmPatchPlan.plan(vm, Optional.of(NO_SETUP));
        assertThat(plan.patch()).isEmpty();
        assertThat(plan.refusal()).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo(Refusal.Reason.NodeAffinityTaken);
            assertThat(r.message()).contains("spec.template.spec.affinity.nodeAffinity."
                    + "requiredDuringSchedulingIgnoredDuringExecution", KEY, "remove");
        });
    }

    /** The user's nodeSelector may carry the label too: it narrows nothing libpool relies on. */
    @Test
    void aVmWhoseOwnSelectorHasThePoolsKeyIsPatchedAndKeepsIt() {
        ObjectNode vm = vm("none");
        ((ObjectNode) vm.at("/spec/template/spec")).putObject("nodeSelector").put(KEY, "true");
        JsonNode patched = apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        assertThat(patched.at("/spec/template/spec/nodeSelector/" + KEY.replace("/", "~1")).asText()).isEqualTo("true");
        assertThat(apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched).toString())
                .isEqualTo(vm.toString());
    }

    /**
     * A VM patched by the build that pinned with spec.template.spec.nodeSelector (its record's nodeSelector field)
     * moves to the affinity on its next reconcile: the old key goes exactly, the expression comes, and detach still
     * gives the user's VM back.
     */
    @Test
    void aVmPinnedByTheFormerNodeSelectorMovesToTheAffinity() throws Exception {
        for (String form : List.of("own-selector", "none", "two-terms")) {
            ObjectNode vm = vm(form);
            ObjectNode former = formerlyPatched(vm);
            JsonNode moved = apply(VmPatchPlan.plan(former, Optional.of(NO_SETUP)).patch().orElseThrow(), former);
            assertThat(moved.at("/spec/template/spec/nodeSelector")).as(form)
                    .isEqualTo(vm.at("/spec/template/spec/nodeSelector"));
            assertThat(moved.at(TERMS).toString()).as(form).contains(OURS);
            assertThat(PatchRecord.read(moved).orElseThrow().nodeSelector()).isNull();
            assertThat(VmPatchPlan.plan(moved, Optional.of(NO_SETUP)).patch()).isEmpty();
            assertThat(apply(VmPatchPlan.plan(former, Optional.empty()).patch().orElseThrow(), former).toString())
                    .as(form).isEqualTo(vm.toString());
            assertThat(apply(VmPatchPlan.plan(moved, Optional.empty()).patch().orElseThrow(), moved).toString())
                    .as(form).isEqualTo(vm.toString());
        }
    }

    /** What the former build wrote: the key in spec.template.spec.nodeSelector, recorded in the record's nodeSelector. */
    private static ObjectNode formerlyPatched(ObjectNode vm) throws Exception {
        ObjectNode patched = (ObjectNode) apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        ObjectNode annotations = (ObjectNode) patched.at(VmEdit.VM_ANNOTATIONS);
        ObjectNode record = (ObjectNode) Json.MAPPER.readTree(annotations.get(VmContract.RECORD_ANNOTATION).asText());
        NodeAffinityEdit.remove(patched, Json.MAPPER.treeToValue(record.remove("nodeAffinity"), PatchRecord.NodeAffinity.class));
        ArrayNode created = (ArrayNode) record.get("created");
        for (int i = created.size() - 1; i >= 0; i--) {
            if (created.get(i).asText().startsWith("/spec/template/spec/affinity")) {
                Json.removeIfEmpty(patched, created.get(i).asText());
                created.remove(i);
            }
        }
        ObjectNode spec = (ObjectNode) patched.at("/spec/template/spec");
        if (!spec.has("nodeSelector")) {
            spec.putObject("nodeSelector");
            created.add("/spec/template/spec/nodeSelector");
        }
        ((ObjectNode) spec.get("nodeSelector")).put(KEY, VmContract.NODE_LABEL_VALUE);
        record.put("nodeSelector", KEY);
        annotations.put(VmContract.RECORD_ANNOTATION, record.toString());
        assertThat(patched.at("/spec/template/spec/affinity")).isEqualTo(vm.at("/spec/template/spec/affinity"));
        return patched;
    }

    private static ObjectNode vm(String form) {
        ObjectNode vm = VmFixtures.optedIn("vm-cirros.yaml", "tenant", "base");
        ObjectNode spec = (ObjectNode) vm.at("/spec/template/spec");
        switch (form) {
            case "own-selector" -> spec.putObject("nodeSelector").put("disktype", "ssd");
            case "preferred-only" -> spec.putObject("affinity").putObject("nodeAffinity")
                    .putArray("preferredDuringSchedulingIgnoredDuringExecution").addObject().put("weight", 10)
                    .putObject("preference").putArray("matchExpressions").addObject().put("key", "zone")
                    .put("operator", "In").putArray("values").add("a");
            case "one-term" -> expression(terms(spec).addObject().putArray("matchExpressions"), "zone", "a");
            case "two-terms" -> {
                ArrayNode terms = terms(spec);
                ArrayNode first = terms.addObject().putArray("matchExpressions");
                expression(first, "zone", "a");
                expression(first, "disktype", "ssd");
                expression(terms.addObject().putArray("matchExpressions"), "zone", "b");
                ((ObjectNode) spec.at("/affinity/nodeAffinity")).putArray("preferredDuringSchedulingIgnoredDuringExecution")
                        .addObject().put("weight", 1).putObject("preference").putArray("matchExpressions");
            }
            case "match-fields" -> {
                ArrayNode terms = terms(spec);
                terms.addObject().putArray("matchFields").addObject().put("key", "metadata.name").put("operator", "In")
                        .putArray("values").add("node-a");
                ObjectNode both = terms.addObject();
                expression(both.putArray("matchExpressions"), "zone", "b");
                both.putArray("matchFields").addObject().put("key", "metadata.name").put("operator", "NotIn")
                        .putArray("values").add("node-c");
            }
            case "empty-terms" -> terms(spec);
            case "pod-affinity" -> spec.putObject("affinity").putObject("podAntiAffinity")
                    .putArray("requiredDuringSchedulingIgnoredDuringExecution").addObject()
                    .put("topologyKey", "kubernetes.io/hostname").putObject("labelSelector").putObject("matchLabels")
                    .put("app", "db");
            default -> { }
        }
        return vm;
    }

    private static ArrayNode terms(ObjectNode spec) {
        return spec.putObject("affinity").putObject("nodeAffinity").putObject("requiredDuringSchedulingIgnoredDuringExecution")
                .putArray("nodeSelectorTerms");
    }

    private static void expression(ArrayNode expressions, String key, String value) {
        expressions.addObject().put("key", key).put("operator", "In").putArray("values").add(value);
    }
}
