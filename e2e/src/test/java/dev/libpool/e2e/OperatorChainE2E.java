package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestConsole;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.GuestSpec;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.LauncherVmi;
import dev.libpool.e2e.lab.PoolHost;
import dev.libpool.e2e.lab.Progress;
import dev.libpool.kubetest.TestCluster;
import dev.libpool.operator.events.EventRecorder;
import dev.libpool.operator.hook.HookConfigMaps;
import dev.libpool.operator.vm.PoolVms;
import dev.libpool.operator.vm.VmConverger;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
/**
 * Issue 11's chain, end to end: a SharedLibraryPool YAML and a VirtualMachine YAML on the tests' API server
 * (TestCluster: a real kube-apiserver, or KUBECONFIG's cluster), the operator's own reconcile collaborators
 * (PoolVms with VmConverger/VmPatchPlan, HookConfigMaps — the Quarkus app itself is not started here) patch the
 * VM, the patched VM read back from the server is rendered the way virt-launcher does for the parts libpool
 * touches (LauncherVmi: hostDisk -> disk {@code ua-<volume>} under /var/run/kubevirt-private/vmi-disks, template
 * annotations -> the VMI the hook gets) and booted under the guest lab through the hook script of the
 * ConfigMap the operator wrote, with the pool the node daemon code built: the guest attaches. Then the user
 * removes the label, the operator unpatches, the VM read back equals the original, and the guest boots again
 * from its own disk. The lab guest takes its pool name from its kernel command line, not from the cloud-init
 * the operator merged (which the lab does not run).
 */
class OperatorChainE2E {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    private static final String RESOURCES = "/dev/libpool/e2e/chain/";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);
    private static final String SIDECAR_IMAGE = "quay.io/kubevirt/sidecar-shim:v1.6.0";

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void theOperatorsPatchAttachesARealGuestAndItsUnpatchGivesTheVmBack() throws IOException {
        LabTests.assumeGuests("OperatorChainE2E");
        TestCluster cluster = TestCluster.get();
        KubernetesClient client = cluster.client();

        Path work = Path.of("target/e2e-chain").toAbsolutePath();
        Files.createDirectories(work);
        Path poolYaml = work.resolve("pool.yaml");
        Files.writeString(poolYaml, resource("pool.yaml"));
        SharedLibraryPool poolResource = YAML.readValue(poolYaml.toFile(), SharedLibraryPool.class);
        String pool = poolResource.getMetadata().getName();
        Progress progress = Progress.toStdout();
        GuestLab lab = LabTests.open("OperatorChainE2E", LabOptions.withPool(work).poolFrom(poolYaml), progress);
        String namespace = cluster.createNamespace("chain");
        client.resources(SharedLibraryPool.class).resource(poolResource).serverSideApply();
        try (lab) {
            PoolHost host = lab.pool().orElseThrow();
            // The operator's settings: the node's state directory is the lab's.
            String stateDir = host.poolFile().getParent().getParent().getParent().toString();
            var vms = client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace);
            vms.resource(YAML.readValue(resource("vm.yaml"), GenericKubernetesResource.class)).create();
            GenericKubernetesResource original = vms.withName("chain-vm").get();

            // The user opts the VM in; the operator patches it and writes the namespace's hook ConfigMap.
            label(vms.withName("chain-vm"), "{\"op\":\"add\",\"path\":\"/metadata/labels/libpool.dev~1pool\",\"value\":\"" + pool + "\"}");
            List<Boolean> writes = new ArrayList<>();
            PoolVms.Result attached = reconcile(client, namespace, pool, stateDir, writes);
            assertThat(writes).as("VM patches of the attach").containsExactly(true);
            assertThat(attached.namespaces()).containsExactly(namespace);
            GenericKubernetesResource patched = vms.withName("chain-vm").get();
            LauncherVmi vmi = LauncherVmi.of(json(patched));
            assertThat(vmi.hostDisks()).as("hostDisk volumes of the patched VM").containsExactly(
                    new LauncherVmi.Volume(VmContract.volumeName(pool), host.poolFile()));
            assertThat(vmi.hostDisks().get(0).launcherPath().toString())
                    .isEqualTo("/var/run/kubevirt-private/vmi-disks/libpool-" + pool + "/pool.img");
            JsonNode templateAnnotations = json(patched).path("spec").path("template").path("metadata").path("annotations");
            assertThat(templateAnnotations.path(VmContract.sizeAnnotation(pool)).asLong()).as("size annotation")
                    .isEqualTo(host.deviceBytes());
            assertThat(templateAnnotations.path(VmContract.HOOK_SIDECARS_ANNOTATION).asText()).contains(SIDECAR_IMAGE);
            ConfigMap hookMap = client.configMaps().inNamespace(namespace).withName(VmContract.HOOK_CONFIG_MAP).get();
            assertThat(hookMap).as("hook ConfigMap the operator wrote").isNotNull();

            Guest withPool = lab.boot(GuestSpec.withPool("chain-1"), vmi, Optional.of(hookMap.getData().get(VmContract.HOOK_KEY)));
            withPool.awaitReady(progress, READY_TIMEOUT);
            GuestConsole console = withPool.console();
            JsonNode report = console.report().orElseThrow(() -> new AssertionError("no report.json\n" + console.tail(30)));
            assertThat(report.path("status").asText()).as("attach report\n" + console.tail(30)).isEqualTo("attached");
            assertThat(report.path("dax").asBoolean()).as("report dax").isTrue();
            assertThat(console.poolMappings()).as("programs mapping pool files").isNotEmpty();
            assertThat(console.workloadFailures()).as("workload failures").isEmpty();
            lab.destroy(withPool);

            // The user opts out; the operator removes exactly what it added, and the ConfigMap goes.
            label(vms.withName("chain-vm"), "{\"op\":\"remove\",\"path\":\"/metadata/labels/libpool.dev~1pool\"}");
            writes.clear();
            PoolVms.Result detached = reconcile(client, namespace, pool, stateDir, writes);
            assertThat(writes).as("VM patches of the detach").containsExactly(false);
            assertThat(detached.namespaces()).isEmpty();
            assertThat(client.configMaps().inNamespace(namespace).withName(VmContract.HOOK_CONFIG_MAP).get()).isNull();
            GenericKubernetesResource unpatched = vms.withName("chain-vm").get();
            assertThat(canonical(userParts(unpatched))).as("the VM after unpatch vs as created")
                    .isEqualTo(canonical(userParts(original)));

            // No hook sidecar any more: KubeVirt runs no hook, the guest has no pool device.
            LauncherVmi plain = LauncherVmi.of(json(unpatched));
            assertThat(plain.hostDisks()).isEmpty();
            Guest own = lab.boot(GuestSpec.ownDisk("chain-2"), plain, Optional.empty());
            own.awaitReady(progress, READY_TIMEOUT);
            assertThat(own.console().report()).as("own-disk report").hasValueSatisfying(r ->
                    assertThat(r.path("status").asText()).isEqualTo("refused"));
            assertThat(own.console().poolMappings()).as("own-disk mappings from a pool").isEmpty();
            assertThat(own.console().workloadFailures()).as("own-disk workload failures").isEmpty();
        } finally {
            client.namespaces().withName(namespace).delete();
            client.resources(SharedLibraryPool.class).withName(pool).delete();
        }
    }

    /**
     * One reconcile of the pool's VM side, as SharedLibraryPoolReconciler runs it, over what the server holds now
     * (the operator's informer caches): PoolVms patches the VMs, HookConfigMaps keeps a ConfigMap where they use it.
     */
    private static PoolVms.Result reconcile(KubernetesClient client, String namespace, String pool, String stateDir,
                                            List<Boolean> writes) {
        PoolVms.View view = new PoolVms.View(
                client.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace).list().getItems(),
                List.of(),
                ns -> client.namespaces().withName(ns).get().getMetadata().getLabels(),
                name -> Optional.ofNullable(client.resources(SharedLibraryPool.class).withName(name).get()),
                stateDir, SIDECAR_IMAGE);
        PoolVms.Result result = new PoolVms(new VmConverger(client), new EventRecorder(client), writes::add)
                .sync(pool, view, true);
        SharedLibraryPool owner = client.resources(SharedLibraryPool.class).withName(pool).get();
        OwnerReference reference = new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion())
                .withKind(owner.getKind()).withName(pool).withUid(owner.getMetadata().getUid()).build();
        Map<String, List<OwnerReference>> inUse = result.namespaces().contains(namespace)
                ? Map.of(namespace, List.of(reference)) : Map.of();
        new HookConfigMaps(client).sync(inUse);
        return result;
    }

    private static void label(io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> vm, String op) {
        vm.patch(PatchContext.of(PatchType.JSON), "[" + op + "]");
    }

    /** What the user wrote: labels, annotations and spec (the server's bookkeeping left out). */
    private static JsonNode userParts(GenericKubernetesResource vm) {
        JsonNode json = json(vm);
        ObjectNode parts = CANONICAL.createObjectNode();
        for (String part : List.of("/metadata/labels", "/metadata/annotations", "/spec")) {
            if (!json.at(part).isMissingNode()) {
                parts.set(part, json.at(part));
            }
        }
        return parts;
    }

    private static String canonical(JsonNode node) throws IOException {
        return CANONICAL.writeValueAsString(CANONICAL.treeToValue(node, Object.class));
    }

    private static JsonNode json(GenericKubernetesResource resource) {
        return CANONICAL.valueToTree(resource);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = OperatorChainE2E.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException("test resource " + RESOURCES + name + " is missing");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
