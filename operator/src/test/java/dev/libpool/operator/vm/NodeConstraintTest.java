package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
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
 * A patched VM only schedules onto nodes that serve its pool: one key {@code pool.libpool.dev/<pool>: "true"} in
 * spec.template.spec.nodeSelector, which the scheduler ANDs with the user's own selector and node affinity, added
 * and removed exactly.
 */
class NodeConstraintTest {
    private static final String KEY = VmContract.nodeLabel("base");

    @Test
    void thePatchedVmCarriesThePoolsNodeSelectorNextToTheUsersConstraints() throws Exception {
        for (String form : List.of("none", "own-selector", "affinity")) {
            ObjectNode vm = vm(form);
            JsonNode patched = apply(VmPatchPlan.plan(vm, Optional.of(CLOUD_INIT)).patch().orElseThrow(), vm);
            JsonNode selector = patched.at("/spec/template/spec/nodeSelector");
            assertThat(selector.get(KEY).asText()).as(form).isEqualTo(VmContract.NODE_LABEL_VALUE);
            assertThat(KubeVirtAdmission.violations(patched, Set.of("Sidecar", "HostDisk"))).isEmpty();
            if (form.equals("own-selector")) {
                assertThat(selector.get("disktype").asText()).isEqualTo("ssd");
            }
            assertThat(patched.at("/spec/template/spec/affinity")).isEqualTo(vm.at("/spec/template/spec/affinity"));
            assertThat(VmPatchPlan.plan(patched, Optional.of(CLOUD_INIT)).patch()).isEmpty();

            JsonNode restored = apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched);
            assertThat(restored.toString()).as(form).isEqualTo(vm.toString());
        }
    }

    @Test
    void aVmThatMovesToAnotherPoolGetsThatPoolsKeyOnly() {
        ObjectNode vm = vm("own-selector");
        JsonNode base = apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        Attachment other = new Attachment("other", VmContract.poolFile(VmContract.DEFAULT_STATE_DIR, "other"), 306184192L,
                Optional.empty(), "");
        JsonNode moved = apply(VmPatchPlan.plan(base, Optional.of(other)).patch().orElseThrow(), base);
        JsonNode selector = moved.at("/spec/template/spec/nodeSelector");
        assertThat(selector.has(KEY)).isFalse();
        assertThat(selector.get(VmContract.nodeLabel("other")).asText()).isEqualTo(VmContract.NODE_LABEL_VALUE);
        assertThat(selector.get("disktype").asText()).isEqualTo("ssd");
    }

    @Test
    void aVmWhoseOwnSelectorHasThePoolsKeyIsRefusedNamingTheField() {
        ObjectNode vm = vm("none");
        ((ObjectNode) vm.at("/spec/template/spec")).putObject("nodeSelector").put(KEY, "true");
        VmPatchPlan.Plan plan = VmPatchPlan.plan(vm, Optional.of(NO_SETUP));
        assertThat(plan.patch()).isEmpty();
        assertThat(plan.refusal()).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo(Refusal.Reason.NodeSelectorTaken);
            assertThat(r.message()).contains("spec.template.spec.nodeSelector", KEY, "remove");
        });
    }

    /** A VM the previous release patched has no key: the next plan adds it, and detach restores the VM exactly. */
    @Test
    void aVmPatchedWithoutTheKeyGetsItAndStillDetachesExactly() throws Exception {
        ObjectNode vm = vm("own-selector");
        ObjectNode patched = (ObjectNode) apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        ((ObjectNode) patched.at("/spec/template/spec/nodeSelector")).remove(KEY);
        ObjectNode annotations = (ObjectNode) patched.at(VmEdit.VM_ANNOTATIONS);
        ObjectNode record = (ObjectNode) Json.MAPPER.readTree(annotations.get(VmContract.RECORD_ANNOTATION).asText());
        assertThat(record.remove("nodeSelector")).isNotNull();
        annotations.put(VmContract.RECORD_ANNOTATION, record.toString());

        JsonNode repatched = apply(VmPatchPlan.plan(patched, Optional.of(NO_SETUP)).patch().orElseThrow(), patched);
        assertThat(repatched.at("/spec/template/spec/nodeSelector").get(KEY).asText()).isEqualTo(VmContract.NODE_LABEL_VALUE);
        assertThat(apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched).toString())
                .isEqualTo(vm.toString());
    }

    private static ObjectNode vm(String form) {
        ObjectNode vm = VmFixtures.optedIn("vm-cirros.yaml", "tenant", "base");
        ObjectNode spec = (ObjectNode) vm.at("/spec/template/spec");
        switch (form) {
            case "own-selector" -> spec.putObject("nodeSelector").put("disktype", "ssd");
            case "affinity" -> spec.putObject("affinity").putObject("nodeAffinity")
                    .putObject("requiredDuringSchedulingIgnoredDuringExecution").putArray("nodeSelectorTerms").addObject()
                    .putArray("matchExpressions").addObject().put("key", "zone").put("operator", "In")
                    .putArray("values").add("a");
            default -> { }
        }
        return vm;
    }
}
