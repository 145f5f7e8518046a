package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.e2e.lab.Command;
import dev.libpool.e2e.lab.KubeVirtDomain;
import dev.libpool.guest.GuestSetup;
import dev.libpool.kubetest.KubeVirtCode;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import dev.libpool.operator.vm.Attachment;
import dev.libpool.operator.vm.VmPatchPlan;
import io.fabric8.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The domains KubeVirt v1.9.0's own converter makes of VMs the operator patched, STARTED under a private real libvirtd
 * (HookLab: QEMU TCG, no guest OS; QEMU running with its monitor answering is the check), with every file they name
 * made small and sparse under target/ (KubeVirtDomain.forStart: also no pod network, VNC or video, the console into
 * a file). Through the hook (a sample of GeneratedVm): QEMU's PCI tree has the pool device on the slot the hook
 * chose. Without the hook, the q35 VM with 24 virtio disks the hook refuses (issue 19, defect 2): libvirt places all
 * of KubeVirt's devices and leaves root-bus slots free. Run under the lab lock: {@code flock /tmp/libpool-lab.lock ...}.
 */
class KubeVirtConvertedStartE2E {
    private static final Path WORK = Path.of("target/kubevirt-start-lab").toAbsolutePath();
    private static final long DEVICE_SIZE = 8L << 20;
    private static final Pattern POOL_DEVICE = Pattern.compile(
            "virtio-pmem-pci,memdev=[^,]+,id=(libpool-[^,]+-pmem),bus=pcie?\\.0,addr=0x([0-9a-f]+)");
    private static HookLab lab;
    private KubeVirtCode kubevirt;

    @BeforeAll
    static void startLibvirt() throws IOException {
        lab = HookLab.start("KubeVirtConvertedStartE2E", WORK);
    }

    @AfterAll
    static void stopLibvirt() {
        if (lab != null) {
            lab.close();
        }
    }

    @BeforeEach
    void tool() {
        kubevirt = KubeVirtCode.get().withConfiguration(GeneratedVm.ALLOW_I440FX);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {0, 1, 2, 5, 9, 12})
    void kubeVirtsDomainThroughTheHookStartsWithThePoolDeviceWhereTheHookPutIt(long seed) throws Exception {
        GeneratedVm generated = GeneratedVm.generate(seed);
        String name = "kv-" + seed;
        KubeVirtCode.Domain domain = converted(generated);
        String hooked = lab.hook().onDefineDomain(startable(name, domain.xml()), domain.vmi().toString());
        Matcher m = POOL_DEVICE.matcher(hooked);
        assertThat(m.find()).as("seed %d: the hook added the pool device", seed).isTrue();
        int slot = Integer.parseInt(m.group(2), 16);

        Command.Result created = lab.create(name, hooked);
        try {
            assertThat(created.ok()).as("seed %d (%s): virsh create: %s\nQEMU log: %s\ndomain:\n%s", seed, generated,
                    created.stderr(), lab.libvirt().qemuLogTail(name), hooked).isTrue();
            assertThat(lab.qmp(name, "query-status").path("status").asText()).isEqualTo("running");
            assertThat(HookLab.rootBusDevices(lab.qmp(name, "query-pci")).get(slot))
                    .as("seed %d: QEMU has the pool device on root-bus slot %#x", seed, slot).isEqualTo(m.group(1));
        } finally {
            lab.libvirt().virshResult("destroy", name);
        }
    }

    @Test
    void libvirtPlacesKubeVirtsQ35DomainWithManyVirtioDisksAndLeavesRootBusSlotsFree() throws Exception {
        GeneratedVm generated = GeneratedVm.manyVirtioDisks(1000, 24);
        String name = "kv-many-disks";
        String xml = startable(name, converted(generated).xml());

        Command.Result created = lab.create(name, xml);
        try {
            assertThat(created.ok()).as("virsh create: %s\nQEMU log: %s", created.stderr(), lab.libvirt().qemuLogTail(name))
                    .isTrue();
            Map<Integer, String> rootBus = HookLab.rootBusDevices(lab.qmp(name, "query-pci"));
            long free = IntStream.rangeClosed(1, 0x1f).filter(s -> !rootBus.containsKey(s)).count();
            System.out.printf("KubeVirtConvertedStartE2E: KubeVirt's q35 domain with 25 virtio disks started; root bus %s; "
                    + "%d slots free%n", rootBus, free);
            assertThat(free).as("root-bus slots libvirt left free; root bus: %s", rootBus).isPositive();
        } finally {
            lab.libvirt().virshResult("destroy", name);
        }
    }

    /** The generated VM patched by the operator's plan, admitted by KubeVirt and converted by it. */
    private KubeVirtCode.Domain converted(GeneratedVm generated) {
        Attachment attachment = new Attachment(generated.pool(), VmContract.poolFile(VmContract.DEFAULT_STATE_DIR,
                generated.pool()), DEVICE_SIZE, generated.cloudInitSetup() ? Optional.of(GuestSetup.of(generated.pool()))
                : Optional.empty(), "");
        JsonNode patched = JsonPatch.apply(VmPatchPlan.plan(generated.vm(), Optional.of(attachment)).patch().orElseThrow(),
                generated.vm());
        KubeVirtCode cluster = kubevirt.withObjects(generated.objects());
        cluster.assertAdmitted(patched, KubeVirtCheck.REQUIRED_GATES);
        return cluster.domain(patched, KubeVirtCheck.REQUIRED_GATES, false);
    }

    /** KubeVirt's domain with each file it names made, sparse, under WORK/files/NAME (the pool file read-only). */
    private static String startable(String name, String kubevirtXml) {
        return KubeVirtDomain.forStart(kubevirtXml, name, WORK.resolve(name + ".console.log"), file -> {
            Path moved = WORK.resolve("files").resolve(name).resolve(Path.of("/").relativize(Path.of(file)));
            boolean pool = file.contains("/vmi-disks/" + VmContract.VOLUME_PREFIX);
            try {
                HookLab.sparseFile(moved, pool ? DEVICE_SIZE : 1L << 20, pool);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return moved.toString();
        });
    }
}
