package dev.libpool.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.operator.daemon.NodeDaemonSet;
import dev.libpool.operator.testing.KubeVirtAdmission;
import dev.libpool.operator.testing.KubeVirtSchema;
import dev.libpool.operator.testing.VmFixtures;
import dev.libpool.operator.vm.VmConverger;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real operator (Quarkus, JOSDK informers) patching and unpatching VirtualMachines. Runs against the Fabric8
 * mock API server in CRUD mode: the real kube-apiserver of the tests is being built on another branch; every step
 * here is plain API traffic, so the same test runs against a real cluster with KubeVirt's CRDs via KUBECONFIG.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true, setup = dev.libpool.operator.testing.KubeVirtApi.class)
class VmOperatorIT {
    static final ResourceDefinitionContext KUBEVIRTS = new ResourceDefinitionContext.Builder()
            .withGroup("kubevirt.io").withVersion("v1").withKind("KubeVirt").withPlural("kubevirts").withNamespaced(true).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    KubernetesClient client;

    @BeforeEach
    void kubevirtWithGates() {
        kubevirt(List.of("Sidecar", "HostDisk"));
    }

    @Test
    void optInPatchesOnceOptOutRestoresTheVmExactly() throws Exception {
        namespace("tenant-a", Map.of("team", "a"));
        pool("it-a", Map.of("team", "a"), Map.of());
        GenericKubernetesResource created = createVm("tenant-a", "vm-a", "it-a", "vm-cirros-with-sidecar-hook-configmap.yaml");
        JsonNode original = userParts(created);

        GenericKubernetesResource patched = await().atMost(WAIT).until(() -> vm("tenant-a", "vm-a"),
                v -> v.getMetadata().getAnnotations() != null && v.getMetadata().getAnnotations().containsKey(VmContract.RECORD_ANNOTATION));
        JsonNode patchedJson = JSON.valueToTree(patched);
        assertThat(KubeVirtSchema.violations(stripServerFields(patchedJson))).isEmpty();
        assertThat(KubeVirtAdmission.violations(patchedJson, Set.of("Sidecar", "HostDisk"))).isEmpty();
        assertThat(patchedJson.at("/spec/template/metadata/annotations").get(VmContract.HOOK_SIDECARS_ANNOTATION).asText())
                .contains("my-config-map", "libpool-hook", "quay.io/kubevirt/sidecar-shim:v1.9.0");
        await().atMost(WAIT).untilAsserted(() -> {
            var cm = client.configMaps().inNamespace("tenant-a").withName(VmContract.HOOK_CONFIG_MAP).get();
            assertThat(cm).isNotNull();
            assertThat(cm.getData().get(VmContract.HOOK_KEY)).contains("def transform(");
            assertThat(cm.getMetadata().getOwnerReferences()).extracting(o -> o.getName()).containsExactly("it-a");
            SharedLibraryPool pool = client.resources(SharedLibraryPool.class).withName("it-a").get();
            assertThat(pool.getStatus()).isNotNull();
            assertThat(pool.getStatus().getVms().getSelected()).isEqualTo(1);
            assertThat(pool.getStatus().getVms().getRefused()).isZero();
        });

        // A resync with nothing changed writes nothing: wake every pool (namespace event) and compare versions.
        String vmVersion = vm("tenant-a", "vm-a").getMetadata().getResourceVersion();
        String cmVersion = client.configMaps().inNamespace("tenant-a").withName(VmContract.HOOK_CONFIG_MAP).get()
                .getMetadata().getResourceVersion();
        String dsVersion = daemonSet().getMetadata().getResourceVersion();
        String poolVersion = client.resources(SharedLibraryPool.class).withName("it-a").get().getMetadata().getResourceVersion();
        namespace("tenant-a", Map.of("team", "a", "touched", "yes"));
        Thread.sleep(3000);
        assertThat(vm("tenant-a", "vm-a").getMetadata().getResourceVersion()).isEqualTo(vmVersion);
        assertThat(client.configMaps().inNamespace("tenant-a").withName(VmContract.HOOK_CONFIG_MAP).get()
                .getMetadata().getResourceVersion()).isEqualTo(cmVersion);
        assertThat(daemonSet().getMetadata().getResourceVersion()).isEqualTo(dsVersion);
        assertThat(client.resources(SharedLibraryPool.class).withName("it-a").get().getMetadata().getResourceVersion())
                .isEqualTo(poolVersion);

        // Opt out: the label goes, and so does everything libpool added.
        client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace("tenant-a").withName("vm-a")
                .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"/metadata/labels/libpool.dev~1pool\"}]");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode now = userParts(vm("tenant-a", "vm-a"));
            ((ObjectNode) original.get("metadata")).remove("labels");
            ((ObjectNode) now.get("metadata")).remove("labels");
            assertThat(now).isEqualTo(original);
            assertThat(client.configMaps().inNamespace("tenant-a").withName(VmContract.HOOK_CONFIG_MAP).get()).isNull();
        });
    }

    @Test
    void aNamespaceThePoolDoesNotAllowOrAMissingPoolIsRefusedWithAnEvent() {
        namespace("tenant-b", Map.of("team", "b"));
        pool("it-b", Map.of("team", "other"), Map.of());
        createVm("tenant-b", "vm-b", "it-b", "vm-cirros.yaml");
        createVm("tenant-b", "vm-nopool", "it-nope", "vm-cirros.yaml");

        await().atMost(WAIT).untilAsserted(() -> {
            SharedLibraryPool pool = client.resources(SharedLibraryPool.class).withName("it-b").get();
            assertThat(pool.getStatus()).isNotNull();
            assertThat(pool.getStatus().getVms().getRefused()).isEqualTo(1);
            assertThat(pool.getStatus().getVms().getRefusals()).singleElement().asString()
                    .contains("tenant-b/vm-b: NamespaceNotAllowed");
            assertThat(reasons("tenant-b", "vm-b")).contains("NamespaceNotAllowed");
            assertThat(reasons("tenant-b", "vm-nopool")).contains("PoolMissing");
        });
        assertThat(vm("tenant-b", "vm-b").getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(vm("tenant-b", "vm-nopool").getMetadata().getAnnotations()).isNullOrEmpty();
    }

    @Test
    void theDaemonSetFollowsThePoolsAndDeletingAPoolUnpatchesItsVms() {
        namespace("tenant-c", Map.of("team", "c"));
        pool("it-c1", Map.of("team", "c"), Map.of("libpool.dev/zone", "one"));
        pool("it-c2", Map.of("team", "c"), Map.of("libpool.dev/zone", "two"));
        createVm("tenant-c", "vm-c", "it-c2", "vm-cirros.yaml");
        await().atMost(WAIT).untilAsserted(() -> assertThat(zones()).contains("one", "two"));
        await().atMost(WAIT).until(() -> vm("tenant-c", "vm-c").getMetadata().getAnnotations() != null);
        assertThat(zones()).as("one term per pool, no duplicates").doesNotHaveDuplicates().contains("one", "two");

        client.resources(SharedLibraryPool.class).withName("it-c2").delete();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(client.resources(SharedLibraryPool.class).withName("it-c2").get()).as("finalizer released").isNull();
            assertThat(zones()).contains("one").doesNotContain("two");
            JsonNode vm = JSON.valueToTree(vm("tenant-c", "vm-c"));
            assertThat(vm.at("/metadata/annotations").has(VmContract.RECORD_ANNOTATION)).isFalse();
            assertThat(vm.toString()).doesNotContain("libpool-it-c2");
        });
    }

    @Test
    void missingFeatureGatesAreNamedAndNoVmIsPatched() {
        kubevirt(List.of("Sidecar"));
        namespace("tenant-d", Map.of("team", "d"));
        pool("it-d", Map.of("team", "d"), Map.of());
        createVm("tenant-d", "vm-d", "it-d", "vm-cirros.yaml");
        await().atMost(WAIT).untilAsserted(() -> {
            Condition condition = condition("it-d", "KubeVirtNotReady");
            assertThat(condition.getStatus()).isEqualTo("True");
            assertThat(condition.getReason()).isEqualTo("FeatureGatesMissing");
            assertThat(condition.getMessage()).contains("HostDisk", "kubectl patch kubevirt");
        });
        assertThat(vm("tenant-d", "vm-d").getMetadata().getAnnotations()).isNullOrEmpty();

        kubevirt(List.of("Sidecar", "HostDisk"));
        await().atMost(WAIT).until(() -> vm("tenant-d", "vm-d").getMetadata().getAnnotations() != null);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(condition("it-d", "KubeVirtNotReady").getStatus()).isEqualTo("False"));
    }

    private Condition condition(String pool, String type) {
        SharedLibraryPool current = client.resources(SharedLibraryPool.class).withName(pool).get();
        assertThat(current.getStatus()).as("status of %s", pool).isNotNull();
        Optional<Condition> found = current.getStatus().getConditions().stream().filter(c -> c.getType().equals(type)).findFirst();
        assertThat(found).as("condition %s of %s", type, pool).isPresent();
        return found.get();
    }

    private List<String> zones() {
        DaemonSet ds = daemonSet();
        if (ds == null) {
            return List.of();
        }
        return ds.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().stream()
                .flatMap(t -> t.getMatchExpressions().stream()).flatMap(e -> e.getValues().stream()).toList();
    }

    private DaemonSet daemonSet() {
        return client.apps().daemonSets().inNamespace("libpool-system").withName(NodeDaemonSet.NAME).get();
    }

    private List<String> reasons(String ns, String vm) {
        return client.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> vm.equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
    }

    private GenericKubernetesResource vm(String ns, String name) {
        return client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(ns).withName(name).get();
    }

    private GenericKubernetesResource createVm(String ns, String name, String pool, String fixture) {
        ObjectNode vm = VmFixtures.optedIn(fixture, ns, pool);
        ObjectNode metadata = (ObjectNode) vm.get("metadata");
        metadata.put("name", name).remove("resourceVersion");
        GenericKubernetesResource resource = Serialization.jsonMapper().convertValue(vm, GenericKubernetesResource.class);
        return client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(ns).resource(resource).create();
    }

    /** What the user wrote: the VM without the fields the API server manages. */
    private static JsonNode userParts(GenericKubernetesResource vm) {
        return stripServerFields(JSON.valueToTree(vm));
    }

    private static JsonNode stripServerFields(JsonNode vm) {
        ObjectNode copy = vm.deepCopy();
        ObjectNode metadata = (ObjectNode) copy.get("metadata");
        metadata.remove(List.of("resourceVersion", "uid", "creationTimestamp", "generation", "managedFields", "namespace"));
        copy.remove("status");
        return copy;
    }

    private void namespace(String name, Map<String, String> labels) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels)
                .endMetadata().build()).createOr(existing -> existing.update());
    }

    private void pool(String name, Map<String, String> namespaceLabels, Map<String, String> nodeSelector) {
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
        pool.getSpec().setSource(new dev.libpool.api.v1alpha1.PoolSource());
        pool.getSpec().getSource().setHostPath(new dev.libpool.api.v1alpha1.HostPathSource("/srv/guest-root"));
        pool.getSpec().setMaxSize(new Quantity("256Mi"));
        pool.getSpec().setNamespaceSelector(new LabelSelectorBuilder().withMatchLabels(namespaceLabels).build());
        pool.getSpec().setNodeSelector(nodeSelector);
        pool.setStatus(null);
        client.resource(pool).create();
    }

    private void kubevirt(List<String> gates) {
        Map<String, Object> kv = Map.of(
                "apiVersion", "kubevirt.io/v1", "kind", "KubeVirt",
                "metadata", Map.of("name", "kubevirt", "namespace", "kubevirt"),
                "spec", Map.of("configuration", Map.of("developerConfiguration", Map.of("featureGates", gates))),
                "status", Map.of("observedKubeVirtVersion", "v1.9.0", "observedKubeVirtRegistry", "quay.io/kubevirt"));
        GenericKubernetesResource resource = Serialization.jsonMapper().convertValue(kv, GenericKubernetesResource.class);
        client.genericKubernetesResources(KUBEVIRTS).inNamespace("kubevirt").resource(resource).createOr(e -> e.update());
    }

}
