package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.operator.testing.VmFixtures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One VM's write path against the Fabric8 mock API server in CRUD mode: a user edit between read and write, a VM
 * deleted meanwhile, and an operator that restarts with nothing but what the API holds. The mock server does not
 * answer a JSON patch whose {@code test} fails (the request times out), so the refusal a real API server sends
 * then (422, "testing value ... failed") is scripted once in front of the CRUD storage, which holds the user's edit.
 */
@EnableKubernetesMockClient(crud = true)
class VmConvergerIT {
    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void aUserEditBetweenReadAndWriteIsKeptAndThePatchRetried() {
        GenericKubernetesResource stale = create("vm-conflict");
        client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace("tenant").withName("vm-conflict")
                .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/metadata/labels/edited\",\"value\":\"yes\"}]");
        server.expect().patch().withPath("/apis/kubevirt.io/v1/namespaces/tenant/virtualmachines/vm-conflict")
                .andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid")
                        .withMessage("the server rejected our request: testing value /metadata/resourceVersion failed").build())
                .once();

        VmConverger.Outcome outcome = new VmConverger(client).converge(stale, vm -> Optional.of(VmPatchPlanTest.CLOUD_INIT));

        assertThat(outcome.conflicts()).isEqualTo(1);
        assertThat(outcome.wrote()).isTrue();
        GenericKubernetesResource now = get("vm-conflict");
        assertThat(now.getMetadata().getLabels()).containsEntry("edited", "yes");
        assertThat(Json.named(json(now), CloudInitEdit.VOLUMES, "libpool-base")).isPresent();
    }

    @Test
    void aVmDeletedMidReconcileIsGoneNotAnError() {
        GenericKubernetesResource stale = create("vm-deleted");
        client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace("tenant").withName("vm-deleted").delete();

        VmConverger.Outcome outcome = new VmConverger(client).converge(stale, vm -> Optional.of(VmPatchPlanTest.CLOUD_INIT));

        assertThat(outcome.vm()).isNull();
        assertThat(outcome.wrote()).isFalse();
    }

    @Test
    void aRestartedOperatorKnowsFromTheVmAloneWhatItAdded() {
        GenericKubernetesResource original = create("vm-restart");
        JsonNode before = userParts(original);
        new VmConverger(client).converge(original, vm -> Optional.of(VmPatchPlanTest.CLOUD_INIT));

        // A new operator process: no memory but the API.
        VmConverger restarted = new VmConverger(client);
        VmConverger.Outcome again = restarted.converge(get("vm-restart"), vm -> Optional.of(VmPatchPlanTest.CLOUD_INIT));
        assertThat(again.wrote()).as("nothing to do after a restart").isFalse();
        VmConverger.Outcome detached = restarted.converge(get("vm-restart"), vm -> Optional.empty());
        assertThat(detached.wrote()).isTrue();
        assertThat(userParts(get("vm-restart"))).isEqualTo(before);
        assertThat(userParts(get("vm-restart")).toString()).isEqualTo(before.toString());
    }

    private static GenericKubernetesResource create(String name) {
        ObjectNode vm = VmFixtures.optedIn("vm-cirros.yaml", "tenant", "base");
        ((ObjectNode) vm.get("metadata")).put("name", name).remove("resourceVersion");
        return client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace("tenant")
                .resource(Serialization.jsonMapper().convertValue(vm, GenericKubernetesResource.class)).create();
    }

    private static GenericKubernetesResource get(String name) {
        return client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace("tenant").withName(name).get();
    }

    private static JsonNode json(GenericKubernetesResource vm) {
        return Json.MAPPER.valueToTree(vm);
    }

    private static JsonNode userParts(GenericKubernetesResource vm) {
        ObjectNode copy = (ObjectNode) json(vm);
        ((ObjectNode) copy.get("metadata")).remove(List.of("resourceVersion", "uid", "creationTimestamp", "generation"));
        return copy;
    }
}
