package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.kubetest.RequiresTestCluster;
import dev.libpool.kubetest.TestCluster;
import dev.libpool.operator.testing.VmFixtures;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * One VM's write path against the API server of the tests (the local kube-apiserver with KubeVirt's CRDs, or the
 * cluster of KUBECONFIG): a user edit between read and write, a VM deleted meanwhile, and an operator that
 * restarts with nothing but what the API holds.
 */
@RequiresTestCluster
class VmConvergerIT {
    static KubernetesClient client;
    static String namespace;

    @BeforeAll
    static void namespace() {
        TestCluster cluster = TestCluster.get();
        client = cluster.client();
        namespace = cluster.createNamespace("converger");
    }

    @AfterAll
    static void deleteNamespace() {
        client.namespaces().withName(namespace).delete();
    }

    @Test
    void theServerRefusesAPatchWhoseTestFailsWith422AndAppliesNothingOfIt() {
        create("vm-test-op");
        var vm = client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace).withName("vm-test-op");

        KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class, () -> vm.patch(
                PatchContext.of(PatchType.JSON), "[{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"1\"},"
                        + "{\"op\":\"add\",\"path\":\"/metadata/labels/written\",\"value\":\"yes\"}]"));

        assertThat(refused).isNotNull();
        assertThat(refused.getCode()).isEqualTo(422);
        assertThat(refused.getStatus().getReason()).isEqualTo("Invalid");
        assertThat(vm.get().getMetadata().getLabels()).doesNotContainKey("written");
    }

    /**
     * Why libpool's patches test the resourceVersion only: the server compares a tested string by its encoded
     * bytes (evanphx/json-patch v4) and stores {@code >} as {@code \u003e}, so a test of an EQUAL value fails.
     */
    @Test
    void theServerFailsATestOfAnEqualStringThatGoEscapesDifferently() {
        create("vm-escape");
        var vm = client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace).withName("vm-escape");
        vm.patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/metadata/labels/plain\",\"value\":\"a-b\"},"
                + "{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"script\":\"x 2>/dev/null\"}}]");

        vm.patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"test\",\"path\":\"/metadata/labels/plain\",\"value\":\"a-b\"}]");
        KubernetesClientException refused = catchThrowableOfType(KubernetesClientException.class, () -> vm.patch(
                PatchContext.of(PatchType.JSON), "[{\"op\":\"test\",\"path\":\"/metadata/annotations/script\",\"value\":\"x 2>/dev/null\"}]"));

        assertThat(vm.get().getMetadata().getAnnotations()).containsEntry("script", "x 2>/dev/null");
        assertThat(refused).as("a test of the equal value 'x 2>/dev/null'").isNotNull();
        assertThat(refused.getCode()).isEqualTo(422);
    }

    @Test
    void aUserEditBetweenReadAndWriteIsKeptAndThePatchRetried() {
        GenericKubernetesResource stale = create("vm-conflict");
        client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace).withName("vm-conflict")
                .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"add\",\"path\":\"/metadata/labels/edited\",\"value\":\"yes\"}]");

        VmConverger.Outcome outcome = new VmConverger(client).converge(stale, vm -> Optional.of(VmPatchPlanTest.CLOUD_INIT));

        assertThat(outcome.conflicts()).as("the stale patch was refused once by its test op").isEqualTo(1);
        assertThat(outcome.wrote()).isTrue();
        GenericKubernetesResource now = get("vm-conflict");
        assertThat(now.getMetadata().getLabels()).containsEntry("edited", "yes");
        assertThat(Json.named(json(now), CloudInitEdit.VOLUMES, "libpool-base")).isPresent();
    }

    @Test
    void aVmDeletedMidReconcileIsGoneNotAnError() {
        GenericKubernetesResource stale = create("vm-deleted");
        client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace).withName("vm-deleted").delete();

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
        ObjectNode vm = VmFixtures.optedIn("vm-cirros.yaml", namespace, "base");
        ((ObjectNode) vm.get("metadata")).put("name", name).remove("resourceVersion");
        return client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace)
                .resource(Serialization.jsonMapper().convertValue(vm, GenericKubernetesResource.class)).create();
    }

    private static GenericKubernetesResource get(String name) {
        return client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace).withName(name).get();
    }

    private static JsonNode json(GenericKubernetesResource vm) {
        return Json.MAPPER.valueToTree(vm);
    }

    /** The VM without what the server manages (managedFields record every writer, the operator too). */
    private static JsonNode userParts(GenericKubernetesResource vm) {
        ObjectNode copy = (ObjectNode) json(vm);
        ((ObjectNode) copy.get("metadata")).remove(List.of("resourceVersion", "uid", "creationTimestamp", "generation",
                "managedFields"));
        return copy;
    }
}
