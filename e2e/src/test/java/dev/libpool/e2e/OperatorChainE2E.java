package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolStatus;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.e2e.lab.Guest;
import dev.libpool.e2e.lab.GuestConsole;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.GuestSpec;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.LauncherVmi;
import dev.libpool.e2e.lab.PoolHost;
import dev.libpool.e2e.lab.Progress;
import dev.libpool.e2e.operator.OperatorProcess;
import dev.libpool.kubetest.AuditLog;
import dev.libpool.kubetest.KubeVirtCode;
import dev.libpool.kubetest.TestCluster;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import dev.libpool.operator.vm.VmConverger;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11's chain, end to end: a SharedLibraryPool YAML and a VirtualMachine YAML on the tests' API server
 * (TestCluster: a real kube-apiserver, or KUBECONFIG's cluster), and the REAL operator, the Quarkus application
 * the operator module packages, as a process of its own configured as the chart configures it (leader election
 * on). The test waits for that process to patch the VM, renders the patched VM the way virt-launcher does for the
 * parts libpool touches (LauncherVmi: hostDisk -> disk {@code ua-<volume>} under /var/run/kubevirt-private/vmi-disks,
 * template annotations -> the VMI the hook gets) and boots it under the guest lab through the hook script of the
 * ConfigMap the operator wrote, with the pool the node daemon code built: the guest attaches. Then the user removes
 * the label, the operator unpatches, the VM read back equals the original, and the guest boots again from its own
 * disk. The lab guest takes its pool name from its kernel command line, not from the cloud-init the operator merged
 * (which the lab does not run). The VM as patched and as unpatched passes KubeVirt's own admission (KubeVirtCode, with
 * the feature gates libpool documents), and the guests boot the domain KubeVirt's own converter makes of the VM
 * (KubeVirtDomain: the lab's kernel, root disk and console instead of the pod's) through the hook, which gets the VMI
 * JSON of that conversion. Run under the lab lock: {@code flock /tmp/libpool-lab.lock ./mvnw ...}.
 */
class OperatorChainE2E {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    /** The operator's JVM start (Quarkus, informers) on a busy 2-core machine included. */
    private static final Duration OPERATOR_TIMEOUT = Duration.ofMinutes(3);
    private static final String RESOURCES = "/dev/libpool/e2e/chain/";
    private static final String TENANT_AGENT = "libpool-e2e-tenant";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void theOperatorProcessPatchAttachesARealGuestAndItsUnpatchGivesTheVmBack() throws Exception {
        LabTests.assumeGuests("OperatorChainE2E");
        TestCluster cluster = TestCluster.get();
        KubeVirtCode.get(); // every VM the operator writes is checked with KubeVirt's own admission
        OperatorProcess.jar(); // before the lab's minutes: say at once when the reactor did not package the operator

        Path work = Path.of("target/e2e-chain").toAbsolutePath();
        Files.createDirectories(work);
        Path poolYaml = work.resolve("pool.yaml");
        Files.writeString(poolYaml, resource("pool.yaml"));
        SharedLibraryPool poolResource = YAML.readValue(poolYaml.toFile(), SharedLibraryPool.class);
        String pool = poolResource.getMetadata().getName();
        Progress progress = Progress.toStdout();
        GuestLab lab = LabTests.open("OperatorChainE2E", LabOptions.withPool(work).poolFrom(poolYaml), progress);
        // The tenant's own writes (the VM, its label) are told apart from the operator's by their user agent.
        try (lab; ChainCluster chain = new ChainCluster(cluster); KubernetesClient tenant = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(cluster.config()).withUserAgent(TENANT_AGENT).build()).build()) {
            try {
                run(cluster, chain, tenant, lab, pool, poolResource, work, progress);
            } catch (Throwable failure) {
                System.out.println("OperatorChainE2E failed; the operator's log:\n" + chain.operatorLog());
                throw failure;
            }
        }
    }

    private void run(TestCluster cluster, ChainCluster chain, KubernetesClient tenant, GuestLab lab, String pool,
                     SharedLibraryPool poolResource, Path work, Progress progress) throws Exception {
        KubernetesClient admin = cluster.client();
        PoolHost host = lab.pool().orElseThrow();
        String namespace = chain.namespace("chain");
        Optional<String> kubevirtVersion = chain.kubevirtWithGates();
        chain.pool(poolResource);
        chain.nodeReport("chain-node-" + namespace, host.state(), pool);
        // The node's state directory is the lab's: the operator writes the pool file's path into the VM.
        String stateDir = host.poolFile().getParent().getParent().getParent().toString();
        OperatorProcess operator = chain.startOperator(stateDir, work.resolve("operator.log"));

        var vms = tenant.genericKubernetesResources(VmConverger.VIRTUAL_MACHINES).inNamespace(namespace);
        vms.resource(YAML.readValue(resource("vm.yaml"), GenericKubernetesResource.class)).create();
        GenericKubernetesResource original = vms.withName("chain-vm").get();
        Optional<AuditLog> audit = cluster.auditLogFromNow();

        // The user opts the VM in; the operator patches it and writes the namespace's hook ConfigMap.
        label(vms.withName("chain-vm"), "{\"op\":\"add\",\"path\":\"/metadata/labels/libpool.dev~1pool\",\"value\":\"" + pool + "\"}");
        GenericKubernetesResource patched = await(operator, "the operator patches chain-vm", () -> vms.withName("chain-vm").get(),
                vm -> annotations(vm).containsKey(VmContract.RECORD_ANNOTATION));
        SharedLibraryPoolStatus status = await(operator, "the pool's status counts the VM and is Ready",
                () -> admin.resources(SharedLibraryPool.class).withName(pool).get().getStatus(),
                s -> s != null && s.getVms() != null && s.getVms().getSelected() == 1
                        && "True".equals(condition(s, SharedLibraryPoolStatus.READY).getStatus()));
        assertThat(status.getVms().getRefused()).as("refused VMs").isZero();
        assertThat(status.getVms().getAttached()).as("attached: no VMI runs on the API server").isZero();
        assertThat(condition(status, SharedLibraryPoolStatus.READY).getReason()).isEqualTo("PoolServing");
        assertThat(condition(status, SharedLibraryPoolStatus.KUBEVIRT_NOT_READY).getStatus()).isEqualTo("False");
        assertThat(status.getNodes().getReady()).as("nodes ready").isEqualTo(1);
        assertThat(status.getImage().getDigest()).isEqualTo(host.state().getImage().getDigest());
        audit.ifPresent(log -> assertThat(operatorVmWrites(log, "chain-vm")).as("the operator's writes to the VM (audit log)")
                .containsExactly("patch"));
        KubeVirtCode.get().assertAdmitted(json(patched), KubeVirtCheck.REQUIRED_GATES);

        LauncherVmi vmi = LauncherVmi.of(json(patched));
        assertThat(vmi.hostDisks()).as("hostDisk volumes of the patched VM").containsExactly(
                new LauncherVmi.Volume(VmContract.volumeName(pool), host.poolFile()));
        assertThat(vmi.hostDisks().get(0).launcherPath().toString())
                .isEqualTo("/var/run/kubevirt-private/vmi-disks/libpool-" + pool + "/pool.img");
        JsonNode templateAnnotations = json(patched).path("spec").path("template").path("metadata").path("annotations");
        assertThat(templateAnnotations.path(VmContract.sizeAnnotation(pool)).asLong()).as("size annotation")
                .isEqualTo(host.deviceBytes());
        assertThat(templateAnnotations.path(VmContract.HOOK_SIDECARS_ANNOTATION).asText())
                .contains("\"" + VmContract.HOOK_CONFIG_MAP + "\"");
        kubevirtVersion.ifPresent(v -> assertThat(templateAnnotations.path(VmContract.HOOK_SIDECARS_ANNOTATION).asText())
                .as("KubeVirt %s runs its installed sidecar-shim for an entry without image", v).doesNotContain("\"image\""));
        // What the hook gets comes from KubeVirt's own code: the VMI JSON virt-launcher hands it, and the pool disk
        // of KubeVirt's converted domain sits where the lab's domain puts it.
        KubeVirtCode.Domain converted = KubeVirtCode.get().domain(json(patched), KubeVirtCheck.REQUIRED_GATES, false);
        assertThat(converted.xml()).as("KubeVirt's converted domain").contains(
                "<source file=\"" + vmi.hostDisks().get(0).launcherPath() + "\"></source>",
                "<alias name=\"ua-" + VmContract.volumeName(pool) + "\"></alias>");
        LauncherVmi launched = new LauncherVmi(vmi.name(), converted.vmi().toString(), vmi.hostDisks());
        ConfigMap hookMap = await(operator, "the hook ConfigMap", () -> admin.configMaps().inNamespace(namespace)
                .withName(VmContract.HOOK_CONFIG_MAP).get(), cm -> cm != null);

        Guest withPool = lab.boot(GuestSpec.withPool("chain-1"), launched, Optional.of(hookMap.getData().get(VmContract.HOOK_KEY)),
                converted.xml());
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
        GenericKubernetesResource unpatched = await(operator, "the operator unpatches chain-vm", () -> vms.withName("chain-vm").get(),
                vm -> !annotations(vm).containsKey(VmContract.RECORD_ANNOTATION));
        assertThat(canonical(userParts(unpatched))).as("the VM after unpatch vs as created")
                .isEqualTo(canonical(userParts(original)));
        KubeVirtCode.get().assertAdmitted(json(unpatched), KubeVirtCheck.REQUIRED_GATES);
        await(operator, "the hook ConfigMap removed", () -> admin.configMaps().inNamespace(namespace)
                .withName(VmContract.HOOK_CONFIG_MAP).get(), cm -> cm == null);
        await(operator, "the pool's status counts no VM", () -> admin.resources(SharedLibraryPool.class).withName(pool)
                .get().getStatus(), s -> s.getVms() != null && s.getVms().getSelected() == 0);
        audit.ifPresent(log -> assertThat(operatorVmWrites(log, "chain-vm")).as("the operator's writes to the VM "
                + "for the unpatch (audit log)").containsExactly("patch"));

        // No hook sidecar any more: KubeVirt runs no hook, the guest has no pool device.
        LauncherVmi plain = LauncherVmi.of(json(unpatched));
        assertThat(plain.hostDisks()).isEmpty();
        KubeVirtCode.Domain convertedPlain = KubeVirtCode.get().domain(json(unpatched), KubeVirtCheck.REQUIRED_GATES, false);
        Guest own = lab.boot(GuestSpec.ownDisk("chain-2"), new LauncherVmi(plain.name(), convertedPlain.vmi().toString(),
                plain.hostDisks()), Optional.empty(), convertedPlain.xml());
        own.awaitReady(progress, READY_TIMEOUT);
        assertThat(own.console().report()).as("own-disk report").hasValueSatisfying(r ->
                assertThat(r.path("status").asText()).isEqualTo("refused"));
        assertThat(own.console().poolMappings()).as("own-disk mappings from a pool").isEmpty();
        assertThat(own.console().workloadFailures()).as("own-disk workload failures").isEmpty();
        assertThat(operator.isAlive()).as("the operator process still runs").isTrue();
    }

    /** Polls READ until DONE holds; fails early, with the reason, when the operator process has exited. */
    private static <T> T await(OperatorProcess operator, String what, java.util.function.Supplier<T> read, Predicate<T> done)
            throws InterruptedException {
        long end = System.nanoTime() + OPERATOR_TIMEOUT.toNanos();
        T value = read.get();
        while (!done.test(value)) {
            assertThat(operator.isAlive()).as("the operator process exited while waiting for " + what).isTrue();
            assertThat(System.nanoTime()).as("waiting for " + what + "; last seen: " + value).isLessThan(end);
            Thread.sleep(500);
            value = read.get();
        }
        return value;
    }

    /** The verbs of the writes to VM NAME since the last call that did not come from the tenant, in order. */
    private static List<String> operatorVmWrites(AuditLog log, String name) {
        return log.next().stream().filter(w -> w.resource().equals("virtualmachines") && w.name().equals(name)
                && !w.userAgent().equals(TENANT_AGENT)).map(AuditLog.Write::verb).toList();
    }

    private static Condition condition(SharedLibraryPoolStatus status, String type) {
        return status.getConditions().stream().filter(c -> c.getType().equals(type)).findFirst()
                .orElseThrow(() -> new AssertionError("no condition " + type + " in " + status.getConditions()));
    }

    private static java.util.Map<String, String> annotations(GenericKubernetesResource vm) {
        return Optional.ofNullable(vm.getMetadata().getAnnotations()).orElse(java.util.Map.of());
    }

    private static void label(Resource<GenericKubernetesResource> vm, String op) {
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
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
