package dev.libpool.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.operator.daemon.NodeDaemonSet;
import dev.libpool.kubetest.KubeVirtCode;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import dev.libpool.operator.testing.KubeVirtAdmission;
import dev.libpool.operator.testing.KubeVirtSchema;
import dev.libpool.operator.testing.VmFixtures;
import dev.libpool.operator.hook.HookConfigMaps;
import dev.libpool.operator.vm.Attachment;
import dev.libpool.operator.vm.VmConverger;
import dev.libpool.operator.vm.VmPatchPlan;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import dev.libpool.kubetest.RequiresTestCluster;
import dev.libpool.kubetest.TestCluster;
import dev.libpool.operator.config.LibpoolConfig;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The real operator (Quarkus, JOSDK informers) patching and unpatching VirtualMachines on the API server of the
 * tests: the local kube-apiserver with KubeVirt's CRDs (no KubeVirt controllers: the KubeVirt CR and its status
 * are written here as virt-operator would), or the cluster of KUBECONFIG. Names are unique per run (namespaces,
 * pools, namespace labels) because the server may be shared; a KubeVirt of the cluster itself is never changed.
 */
@RequiresTestCluster
@QuarkusTest
@WithTestResource(TestClusterResource.class)
class VmOperatorIT {
    static final ResourceDefinitionContext KUBEVIRTS = new ResourceDefinitionContext.Builder()
            .withGroup("kubevirt.io").withVersion("v1").withKind("KubeVirt").withPlural("kubevirts").withNamespaced(true).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String RUN = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
    private static final String OURS = "libpool.dev/test";
    private static final List<String> GATES = List.of("Sidecar", "HostDisk");

    @Inject
    KubernetesClient client;
    @Inject
    LibpoolConfig config;

    private final List<String> namespaces = new ArrayList<>();
    private final List<String> pools = new ArrayList<>();

    @BeforeEach
    void kubevirtWithGates() {
        kubevirt(GATES);
    }

    @AfterEach
    void cleanUp() {
        pools.forEach(p -> client.resources(SharedLibraryPool.class).withName(p).delete());
        // The local server has no namespace controller: what a deleted namespace holds stays, so the VMs go first.
        namespaces.forEach(n -> {
            client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(n).delete();
            client.namespaces().withName(n).delete();
        });
    }

    @Test
    void optInPatchesOnceOptOutRestoresTheVmExactly() throws Exception {
        KubeVirtCode kubevirt = KubeVirtCode.get();
        String ns = namespace("tenant-a", Map.of("team", "a-" + RUN));
        String pool = pool("it-a", Map.of("team", "a-" + RUN), Map.of());
        GenericKubernetesResource created = createVm(ns, "vm-a", pool, "vm-cirros-with-sidecar-hook-configmap.yaml");
        JsonNode original = userParts(created);

        GenericKubernetesResource patched = await().atMost(WAIT).until(() -> vm(ns, "vm-a"),
                v -> v.getMetadata().getAnnotations() != null && v.getMetadata().getAnnotations().containsKey(VmContract.RECORD_ANNOTATION));
        JsonNode patchedJson = JSON.valueToTree(patched);
        assertThat(KubeVirtSchema.violations(stripServerFields(patchedJson))).isEmpty();
        assertThat(KubeVirtAdmission.violations(patchedJson, Set.of("Sidecar", "HostDisk"))).isEmpty();
        kubevirt.assertAdmitted(patchedJson, KubeVirtCheck.REQUIRED_GATES);
        JsonNode hooks = JSON.readTree(patchedJson.at("/spec/template/metadata/annotations")
                .get(VmContract.HOOK_SIDECARS_ANNOTATION).asText());
        assertThat(hooks.toString()).contains("my-config-map", "\"" + VmContract.HOOK_CONFIG_MAP + "\"");
        assertThat(hooks.get(hooks.size() - 1).has("image")).as("KubeVirt v1.9 runs its installed shim").isFalse();
        assertThat(patchedJson.at("/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution"
                + "/nodeSelectorTerms").toString()).as("only nodes that serve the pool")
                .isEqualTo("[{\"matchExpressions\":[{\"key\":\"" + VmContract.nodeLabel(pool)
                        + "\",\"operator\":\"In\",\"values\":[\"" + VmContract.NODE_LABEL_VALUE + "\"]}]}]");
        assertThat(patchedJson.at("/spec/template/spec/nodeSelector").isMissingNode()).as("no nodeSelector").isTrue();
        await().atMost(WAIT).untilAsserted(() -> {
            var cm = client.configMaps().inNamespace(ns).withName(VmContract.HOOK_CONFIG_MAP).get();
            assertThat(cm).isNotNull();
            assertThat(cm.getData().get(VmContract.HOOK_KEY)).contains("def transform(");
            assertThat(cm.getMetadata().getOwnerReferences()).extracting(o -> o.getName()).containsExactly(pool);
            SharedLibraryPool current = client.resources(SharedLibraryPool.class).withName(pool).get();
            assertThat(current.getStatus()).isNotNull();
            assertThat(current.getStatus().getVms().getSelected()).isEqualTo(1);
            assertThat(current.getStatus().getVms().getRefused()).isZero();
        });

        // A resync with nothing changed writes nothing: wake every pool (namespace event) and compare versions.
        String vmVersion = vm(ns, "vm-a").getMetadata().getResourceVersion();
        String cmVersion = client.configMaps().inNamespace(ns).withName(VmContract.HOOK_CONFIG_MAP).get()
                .getMetadata().getResourceVersion();
        String dsVersion = daemonSet().getMetadata().getResourceVersion();
        String poolVersion = client.resources(SharedLibraryPool.class).withName(pool).get().getMetadata().getResourceVersion();
        client.namespaces().withName(ns).edit(n -> {
            n.getMetadata().getLabels().put("touched", "yes");
            return n;
        });
        Thread.sleep(3000);
        assertThat(vm(ns, "vm-a").getMetadata().getResourceVersion()).isEqualTo(vmVersion);
        assertThat(client.configMaps().inNamespace(ns).withName(VmContract.HOOK_CONFIG_MAP).get()
                .getMetadata().getResourceVersion()).isEqualTo(cmVersion);
        assertThat(daemonSet().getMetadata().getResourceVersion()).isEqualTo(dsVersion);
        assertThat(client.resources(SharedLibraryPool.class).withName(pool).get().getMetadata().getResourceVersion())
                .isEqualTo(poolVersion);

        // Opt out: the label goes, and so does everything libpool added.
        client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(ns).withName("vm-a")
                .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"/metadata/labels/libpool.dev~1pool\"}]");
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode now = userParts(vm(ns, "vm-a"));
            ((ObjectNode) original.get("metadata")).remove("labels");
            ((ObjectNode) now.get("metadata")).remove("labels");
            assertThat(now).isEqualTo(original);
            assertThat(client.configMaps().inNamespace(ns).withName(VmContract.HOOK_CONFIG_MAP).get()).isNull();
        });
        kubevirt.assertAdmitted(JSON.valueToTree(vm(ns, "vm-a")), KubeVirtCheck.REQUIRED_GATES);
    }

    /**
     * Upgrade from release 0.1, whose hook ConfigMap libpool-hook was also the pod volume name of a pool named
     * "hook": a VM it patched (and the ConfigMap it owned) exist before the pool's first reconcile by this release.
     * The VM is patched to the new ConfigMap, which is created, and the old one goes once no VM names it.
     */
    @Test
    void aVmPatchedByTheFormerReleaseMovesToTheNewHookConfigMapAndTheOldOneGoes() throws Exception {
        String ns = namespace("tenant-u", Map.of("team", "u-" + RUN));
        String poolName = "it-u-" + RUN;
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(poolName).build());
        pool.getSpec().setMaxSize(new Quantity("256Mi"));
        ObjectNode vm = VmFixtures.optedIn("vm-cirros.yaml", ns, poolName);
        ((ObjectNode) vm.get("metadata")).put("name", "vm-u");
        Attachment attachment = Attachment.of(pool, config.stateDir(), "quay.io/kubevirt/sidecar-shim:v1.9.0");
        JsonNode former = VmFixtures.formerRelease(JsonPatch.apply(VmPatchPlan.plan(vm, Optional.of(attachment)).patch()
                .orElseThrow(), vm));
        ((ObjectNode) former.get("metadata")).remove("resourceVersion");
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
                .withName(VmContract.LEGACY_HOOK_CONFIG_MAP).withLabels(HookConfigMaps.LABELS).endMetadata()
                .withData(Map.of(VmContract.HOOK_KEY, "# the former release's hook")).build()).create();
        client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(ns)
                .resource(Serialization.jsonMapper().convertValue(former, GenericKubernetesResource.class)).create();
        pool("it-u", Map.of("team", "u-" + RUN), Map.of());

        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode now = JSON.valueToTree(vm(ns, "vm-u"));
            assertThat(VmPatchPlan.usesFormerHookConfigMap(now)).isFalse();
            assertThat(now.at("/spec/template/metadata/annotations").get(VmContract.HOOK_SIDECARS_ANNOTATION).asText())
                    .contains("\"" + VmContract.HOOK_CONFIG_MAP + "\"");
            assertThat(client.configMaps().inNamespace(ns).withName(VmContract.HOOK_CONFIG_MAP).get()).isNotNull();
            assertThat(client.configMaps().inNamespace(ns).withName(VmContract.LEGACY_HOOK_CONFIG_MAP).get()).isNull();
        });
    }

    @Test
    void aNamespaceThePoolDoesNotAllowOrAMissingPoolIsRefusedWithAnEvent() {
        String ns = namespace("tenant-b", Map.of("team", "b-" + RUN));
        String pool = pool("it-b", Map.of("team", "other-" + RUN), Map.of());
        createVm(ns, "vm-b", pool, "vm-cirros.yaml");
        createVm(ns, "vm-nopool", "it-nope-" + RUN, "vm-cirros.yaml");

        await().atMost(WAIT).untilAsserted(() -> {
            SharedLibraryPool current = client.resources(SharedLibraryPool.class).withName(pool).get();
            assertThat(current.getStatus()).isNotNull();
            assertThat(current.getStatus().getVms().getRefused()).isEqualTo(1);
            assertThat(current.getStatus().getVms().getRefusals()).singleElement().asString()
                    .contains(ns + "/vm-b: NamespaceNotAllowed");
            assertThat(reasons(ns, "vm-b")).contains("NamespaceNotAllowed");
            assertThat(reasons(ns, "vm-nopool")).contains("PoolMissing");
        });
        assertThat(vm(ns, "vm-b").getMetadata().getAnnotations()).isNullOrEmpty();
        assertThat(vm(ns, "vm-nopool").getMetadata().getAnnotations()).isNullOrEmpty();
    }

    @Test
    void theDaemonSetFollowsThePoolsAndDeletingAPoolUnpatchesItsVms() {
        KubeVirtCode kubevirt = KubeVirtCode.get();
        String ns = namespace("tenant-c", Map.of("team", "c-" + RUN));
        String one = "one-" + RUN;
        String two = "two-" + RUN;
        pool("it-c1", Map.of("team", "c-" + RUN), Map.of("libpool.dev/zone", one));
        String pool2 = pool("it-c2", Map.of("team", "c-" + RUN), Map.of("libpool.dev/zone", two));
        createVm(ns, "vm-c", pool2, "vm-cirros.yaml");
        await().atMost(WAIT).untilAsserted(() -> assertThat(zones()).contains(one, two));
        await().atMost(WAIT).until(() -> vm(ns, "vm-c").getMetadata().getAnnotations() != null);
        kubevirt.assertAdmitted(JSON.valueToTree(vm(ns, "vm-c")), KubeVirtCheck.REQUIRED_GATES);
        assertThat(zones()).as("one term per pool, no duplicates").doesNotHaveDuplicates().contains(one, two);

        client.resources(SharedLibraryPool.class).withName(pool2).delete();
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(client.resources(SharedLibraryPool.class).withName(pool2).get()).as("finalizer released").isNull();
            assertThat(zones()).contains(one).doesNotContain(two);
            JsonNode vm = JSON.valueToTree(vm(ns, "vm-c"));
            assertThat(vm.at("/metadata/annotations").has(VmContract.RECORD_ANNOTATION)).isFalse();
            assertThat(vm.toString()).doesNotContain("libpool-" + pool2);
        });
        kubevirt.assertAdmitted(JSON.valueToTree(vm(ns, "vm-c")), KubeVirtCheck.REQUIRED_GATES);
    }

    @Test
    void missingFeatureGatesAreNamedAndNoVmIsPatched() {
        KubeVirtCode kubevirt = KubeVirtCode.get();
        kubevirt(List.of("Sidecar"));
        String ns = namespace("tenant-d", Map.of("team", "d-" + RUN));
        String pool = pool("it-d", Map.of("team", "d-" + RUN), Map.of());
        createVm(ns, "vm-d", pool, "vm-cirros.yaml");
        await().atMost(WAIT).untilAsserted(() -> {
            Condition condition = condition(pool, "KubeVirtNotReady");
            assertThat(condition.getStatus()).isEqualTo("True");
            assertThat(condition.getReason()).isEqualTo("FeatureGatesMissing");
            assertThat(condition.getMessage()).contains("HostDisk", "kubectl patch kubevirt");
        });
        assertThat(vm(ns, "vm-d").getMetadata().getAnnotations()).isNullOrEmpty();

        kubevirt(GATES);
        await().atMost(WAIT).until(() -> vm(ns, "vm-d").getMetadata().getAnnotations() != null);
        kubevirt.assertAdmitted(JSON.valueToTree(vm(ns, "vm-d")), KubeVirtCheck.REQUIRED_GATES);
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(condition(pool, "KubeVirtNotReady").getStatus()).isEqualTo("False"));
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
        return client.apps().daemonSets().inNamespace(config.namespace()).withName(NodeDaemonSet.NAME).get();
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

    /** A new namespace named PREFIX-<unique> with LABELS; deleted after the test. */
    private String namespace(String prefix, Map<String, String> labels) {
        String name = TestCluster.get().createNamespace(prefix);
        namespaces.add(name);
        client.namespaces().withName(name).edit(n -> {
            n.getMetadata().getLabels().putAll(labels);
            return n;
        });
        return name;
    }

    /** A new pool named PREFIX-<run>; deleted after the test. */
    private String pool(String prefix, Map<String, String> namespaceLabels, Map<String, String> nodeSelector) {
        String name = prefix + "-" + RUN;
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
        pool.getSpec().setSource(new dev.libpool.api.v1alpha1.PoolSource());
        pool.getSpec().getSource().setHostPath(new dev.libpool.api.v1alpha1.HostPathSource("/srv/guest-root"));
        pool.getSpec().setMaxSize(new Quantity("256Mi"));
        pool.getSpec().setNamespaceSelector(new LabelSelectorBuilder().withMatchLabels(namespaceLabels).build());
        pool.getSpec().setNodeSelector(nodeSelector);
        pool.setStatus(null);
        client.resource(pool).create();
        pools.add(name);
        return name;
    }

    /**
     * The KubeVirt CR with these feature gates, as virt-operator leaves it: spec from the admin, then the
     * observed version and registry through the status subresource (the server ignores a status sent with the
     * spec). A KubeVirt the cluster runs itself is left alone: a step that needs other gates is then skipped.
     */
    private void kubevirt(List<String> gates) {
        var kubevirts = client.genericKubernetesResources(KUBEVIRTS);
        Optional<GenericKubernetesResource> theirs = kubevirts.inAnyNamespace().list().getItems().stream()
                .filter(k -> k.getMetadata().getLabels() == null || !k.getMetadata().getLabels().containsKey(OURS))
                .findFirst();
        if (theirs.isPresent()) {
            assumeTrue(gates.containsAll(GATES), "the cluster's own KubeVirt " + theirs.get().getMetadata().getName()
                    + " is not changed by tests; run without KUBECONFIG (local API server) for the missing-gates case");
            return;
        }
        String ns = kubevirtNamespace();
        Map<String, Object> kv = Map.of(
                "apiVersion", "kubevirt.io/v1", "kind", "KubeVirt",
                "metadata", Map.of("name", "kubevirt", "namespace", ns, "labels", Map.of(OURS, "true")),
                "spec", Map.of("configuration", Map.of("developerConfiguration", Map.of("featureGates", gates))));
        GenericKubernetesResource resource = Serialization.jsonMapper().convertValue(kv, GenericKubernetesResource.class);
        GenericKubernetesResource stored = kubevirts.inNamespace(ns).resource(resource).createOr(e -> e.update());
        stored.setAdditionalProperty("status", Map.of("observedKubeVirtVersion", "v1.9.0",
                "observedKubeVirtRegistry", "quay.io/kubevirt"));
        kubevirts.inNamespace(ns).resource(stored).updateStatus();
    }

    /** The namespace of the test's KubeVirt CR: one per JVM, since the operator reads the cluster's one KubeVirt. */
    private static synchronized String kubevirtNamespace() {
        if (kubevirtNamespace == null) {
            kubevirtNamespace = TestCluster.get().createNamespace("kubevirt");
        }
        return kubevirtNamespace;
    }

    private static String kubevirtNamespace;
}
