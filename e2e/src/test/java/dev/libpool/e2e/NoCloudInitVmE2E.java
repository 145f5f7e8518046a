package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.libpool.guest.GuestScripts;
import dev.libpool.kubetest.KubeVirtCode;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import dev.libpool.operator.vm.Attachment;
import dev.libpool.operator.vm.VmPatchPlan;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 19's first defect, end to end: a VM with NO cloud-init of its own (the default {@code guestSetup:
 * CloudInit}) gets libpool's own cloud-init volume, which KubeVirt v1.9.0's converter renders as a disk with alias
 * {@code ua-libpool--cloudinit}. The hook once took that alias for a pool named "-cloudinit" and exited 1, so
 * virt-launcher never defined the domain. Here the operator's patch plan patches the VM, KubeVirt's own admission
 * admits it, KubeVirt's own converter makes the domain, the hook (with the VMI JSON of that conversion) runs on it,
 * and the guest boots under libvirt and attaches the pool with DAX, the cloud-init disk still in the domain.
 * Run under the lab lock: {@code flock /tmp/libpool-lab.lock ./mvnw ...}.
 */
class NoCloudInitVmE2E {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    private static final String RESOURCES = "/dev/libpool/e2e/chain/";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aVmWithoutItsOwnCloudInitBootsKubeVirtsDomainAndAttachesThePool() throws Exception {
        LabTests.assumeGuests("NoCloudInitVmE2E");
        KubeVirtCode kubevirt = KubeVirtCode.get();

        Path work = Path.of("target/e2e-no-cloud-init").toAbsolutePath();
        Files.createDirectories(work);
        Path poolYaml = work.resolve("pool.yaml");
        Files.writeString(poolYaml, resource("pool.yaml"));
        SharedLibraryPool pool = YAML.readValue(poolYaml.toFile(), SharedLibraryPool.class);
        try (GuestLab lab = LabTests.open("NoCloudInitVmE2E", LabOptions.withPool(work).poolFrom(poolYaml),
                Progress.toStdout())) {
            PoolHost host = lab.pool().orElseThrow();
            String stateDir = host.poolFile().getParent().getParent().getParent().toString();
            JsonNode vm = YAML.readTree(resource("vm-no-cloud-init.yaml"));
            // No image: KubeVirt >= 1.3 runs its installed sidecar-shim (what the operator writes for v1.9).
            Attachment attachment = Attachment.of(pool, stateDir, "");
            JsonNode patched = JsonPatch.apply(VmPatchPlan.plan(vm, Optional.of(attachment)).patch().orElseThrow(), vm);
            kubevirt.assertAdmitted(patched, KubeVirtCheck.REQUIRED_GATES);

            KubeVirtCode.Domain converted = kubevirt.domain(patched, KubeVirtCheck.REQUIRED_GATES, false);
            String cloudInitAlias = "ua-" + VmContract.CLOUD_INIT_VOLUME;
            assertThat(converted.xml()).as("KubeVirt's domain has libpool's cloud-init disk and the pool disk")
                    .contains("<alias name=\"" + cloudInitAlias + "\"></alias>",
                            "<alias name=\"ua-" + VmContract.volumeName(pool.getMetadata().getName()) + "\"></alias>");

            LauncherVmi vmi = LauncherVmi.of(patched);
            Guest guest = lab.boot(GuestSpec.withPool("no-cloud-init"),
                    new LauncherVmi(vmi.name(), converted.vmi().toString(), vmi.hostDisks()),
                    Optional.of(GuestScripts.hookScript()), converted.xml());
            String defined = Files.readString(work.resolve("domains/no-cloud-init.xml"));
            assertThat(defined).as("the hook kept the cloud-init disk and replaced the pool disk by a pmem device")
                    .containsPattern("<alias name=\"" + cloudInitAlias + "\"\\s*/?>")
                    .contains("virtio-pmem-pci,memdev=libpool-" + pool.getMetadata().getName() + "-mem");
            guest.awaitReady(Progress.toStdout(), READY_TIMEOUT);
            GuestConsole console = guest.console();
            JsonNode report = console.report().orElseThrow(() -> new AssertionError("no report.json\n" + console.tail(30)));
            assertThat(report.path("status").asText()).as("attach report\n" + console.tail(30)).isEqualTo("attached");
            assertThat(report.path("dax").asBoolean()).as("report dax").isTrue();
            assertThat(console.poolMappings()).as("programs mapping pool files").isNotEmpty();
            lab.destroy(guest);
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = NoCloudInitVmE2E.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IOException("missing test resource " + RESOURCES + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
