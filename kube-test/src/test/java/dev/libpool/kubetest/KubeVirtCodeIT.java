package dev.libpool.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KubeVirt v1.9.0's own code, through kubevirt-sim, on KubeVirt's own examples (src/main/resources/kubevirt). */
class KubeVirtCodeIT {
    private static final Path EXAMPLES = Path.of("src/main/resources/kubevirt/vm-examples");
    private static final Path INSTANCETYPES = Path.of("src/main/resources/kubevirt/instancetype-examples");
    /**
     * A cluster instancetype and a cluster preference. The preference asks for what KubeVirt would not choose by
     * itself (SATA disks, e1000e, a versioned q35 machine type), so that the VMI shows it was applied.
     */
    private static final String INSTANCETYPE_AND_PREFERENCE = """
            - apiVersion: instancetype.kubevirt.io/v1beta1
              kind: VirtualMachineClusterInstancetype
              metadata: {name: c2-1gi}
              spec: {cpu: {guest: 2}, memory: {guest: 1Gi}}
            - apiVersion: instancetype.kubevirt.io/v1beta1
              kind: VirtualMachineClusterPreference
              metadata: {name: sata-e1000e-q35}
              spec:
                devices: {preferredDiskBus: sata, preferredInterfaceModel: e1000e}
                machine: {preferredMachineType: pc-q35-rhel9.6.0}
            """;
    private static final String VM_WITH_INSTANCETYPE = """
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata: {name: vm-c2, namespace: tenant}
            spec:
              instancetype: {kind: VirtualMachineClusterInstancetype, name: c2-1gi}
              preference: {kind: VirtualMachineClusterPreference, name: sata-e1000e-q35}
              runStrategy: Always
              template:
                spec:
                  domain:
                    devices:
                      disks: [{name: root, disk: {}}]
                  volumes: [{name: root, containerDisk: {image: quay.io/containerdisks/debian:12}}]
            """;
    private static final YAMLMapper YAML = new YAMLMapper();
    private KubeVirtCode kubevirt;

    /** Per test, so that each one is counted as skipped, with the reason, when the tool is not built. */
    @BeforeEach
    void tool() {
        kubevirt = KubeVirtCode.get();
    }

    static ObjectNode example(String name) throws IOException {
        return (ObjectNode) YAML.readTree(EXAMPLES.resolve(name).toFile());
    }

    static List<JsonNode> objects(String yamlList) throws IOException {
        List<JsonNode> objects = new java.util.ArrayList<>();
        YAML.readTree(yamlList).forEach(objects::add);
        return objects;
    }

    @Test
    void theHookSidecarAnnotationNeedsTheSidecarGateInKubeVirtsOwnWords() throws IOException {
        JsonNode vm = example("vm-cirros-with-sidecar-hook-configmap.yaml");

        KubeVirtCode.Admission without = kubevirt.admitVm(vm, List.of());
        assertThat(without.allowed()).isFalse();
        assertThat(without.causes()).containsExactly(new KubeVirtCode.Cause("FieldValueInvalid",
                "spec.template.metadata.annotations", "sidecar feature gate is not enabled in kubevirt-config, invalid "
                + "entry spec.template.metadata.annotations.hooks.kubevirt.io/hookSidecars"));

        assertThat(kubevirt.admitVm(vm, List.of("Sidecar")).allowed()).isTrue();
        assertThat(kubevirt.admitVmi(vm, List.of("Sidecar")).allowed()).isTrue();
        kubevirt.assertAdmitted(vm, List.of("Sidecar"));
        assertThatThrownBy(() -> kubevirt.assertAdmitted(vm, List.of("HostDisk")))
                .hasMessageContaining("refuses the VM default/vm-cirros-with-sidecar-hook-configmap")
                .hasMessageContaining("sidecar feature gate is not enabled");
    }

    @Test
    void aHostDiskNeedsTheHostDiskGateAndBecomesAHostPathDirectoryOfTheLauncherPod() throws IOException {
        JsonNode vmi = example("vmi-host-disk.yaml");

        KubeVirtCode.Admission without = kubevirt.admitVmi(vmi, List.of());
        assertThat(without.causes()).containsExactly(new KubeVirtCode.Cause("FieldValueInvalid", "spec.volumes[0]",
                "HostDisk feature gate is not enabled"));
        assertThat(kubevirt.admitVmi(vmi, List.of("HostDisk")).allowed()).isTrue();

        Pod pod = kubevirt.launcherPod(vmi, List.of("HostDisk"), List.of(), "example.org/shim:1");
        Volume hostDisk = pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("host-disk")).findFirst().orElseThrow();
        assertThat(hostDisk.getHostPath().getPath()).isEqualTo("/var/data");
        assertThat(hostDisk.getHostPath().getType()).isEqualTo("DirectoryOrCreate");
        assertThat(pod.getSpec().getContainers().get(0).getVolumeMounts())
                .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/var/run/kubevirt-private/vmi-disks/host-disk"));
        assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).as("non-root launcher by default").isEqualTo(107L);
    }

    @Test
    void aSidecarWithoutImageGetsTheInstalledShimAndItsConfigMapVolume() throws IOException {
        JsonNode vm = example("vm-cirros-with-sidecar-hook-configmap.yaml");
        ConfigMap script = new ConfigMapBuilder().withNewMetadata().withName("my-config-map").withNamespace("default")
                .endMetadata().addToData("my_script.sh", "#!/bin/sh\n").build();

        Pod pod = kubevirt.launcherPod(vm, List.of("Sidecar"), List.of(script), "registry.example/kubevirt/sidecar-shim@sha256:0");

        Container sidecar = pod.getSpec().getContainers().get(1);
        assertThat(sidecar.getName()).isEqualTo("hook-sidecar-0");
        assertThat(sidecar.getImage()).isEqualTo("registry.example/kubevirt/sidecar-shim@sha256:0");
        assertThat(sidecar.getArgs()).containsExactly("--version", "v1alpha2");
        assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("my-config-map");
            assertThat(v.getConfigMap().getName()).isEqualTo("my-config-map");
        });
        assertThatThrownBy(() -> kubevirt.launcherPod(vm, List.of("Sidecar"), List.of(), "x"))
                .as("virt-controller reads the ConfigMap; without it there is no pod")
                .hasMessageContaining("configmaps \"my-config-map\" not found");
    }

    @Test
    void theDomainAHookReceivesIsKubeVirtsConversionOfTheVmi() throws IOException {
        KubeVirtCode.Domain domain = kubevirt.domain(example("vm-cirros.yaml"), List.of(), false);

        assertThat(domain.xml()).startsWith("<domain type=\"qemu\"").contains("<name>default_vm-cirros</name>",
                "<alias name=\"ua-containerdisk\"></alias>", "<alias name=\"ua-cloudinitdisk\"></alias>",
                "/var/run/libvirt/cloud-init-dir/default/vm-cirros/noCloud.iso", "machine=\"q35\"");
        assertThat(domain.xml()).as("indented with tabs, as pkg/hooks/manager.go marshals it").contains("\n\t<devices>");
        assertThat(domain.vmi().path("metadata").path("name").asText()).isEqualTo("vm-cirros");
        assertThat(domain.vmi().at("/spec/domain/machine/type").asText()).as("virt-api's defaults applied").isEqualTo("q35");
        assertThat(kubevirt.domain(example("vm-cirros.yaml"), List.of(), true).xml()).startsWith("<domain type=\"kvm\"");
    }

    @Test
    void i440fxIsRefusedUnlessTheAdminAllowsItsMachineType() throws IOException {
        ObjectNode vm = example("vm-cirros.yaml");
        ((ObjectNode) vm.at("/spec/template/spec/domain")).putObject("machine").put("type", "pc-i440fx-rhel7.6.0");

        assertThat(kubevirt.admitVm(vm, List.of()).causes()).containsExactly(new KubeVirtCode.Cause("FieldValueInvalid",
                "spec.template.spec.domain.machine.type", "spec.template.spec.domain.machine.type is not supported: "
                + "pc-i440fx-rhel7.6.0 (allowed values: [q35* pc-q35*])"));
        KubeVirtCode allowing = kubevirt.withConfiguration(YAML.readTree(
                "architectureConfiguration: {amd64: {emulatedMachines: [\"q35*\", \"pc-q35*\", \"pc-i440fx*\"]}}"));
        allowing.assertAdmitted(vm, List.of());
        assertThat(allowing.domain(vm, List.of(), false).xml()).contains("machine=\"pc-i440fx-rhel7.6.0\"");
    }

    @Test
    void aVmWithAClusterInstancetypeAndPreferenceTakesTheirCpuMemoryAndDevices() throws IOException {
        JsonNode vm = YAML.readTree(VM_WITH_INSTANCETYPE);
        KubeVirtCode cluster = kubevirt.withObjects(objects(INSTANCETYPE_AND_PREFERENCE));

        cluster.assertAdmitted(vm, List.of());
        JsonNode vmi = cluster.vmi(vm, List.of());
        assertThat(vmi.at("/spec/domain/cpu/sockets").asInt() * vmi.at("/spec/domain/cpu/cores").asInt()
                * vmi.at("/spec/domain/cpu/threads").asInt()).as("the instancetype's 2 guest CPUs").isEqualTo(2);
        assertThat(vmi.at("/spec/domain/memory/guest").asText()).isEqualTo("1Gi");
        assertThat(vmi.at("/spec/domain/devices/disks/0/disk/bus").asText()).isEqualTo("sata");
        assertThat(vmi.at("/spec/domain/devices/interfaces/0/model").asText()).isEqualTo("e1000e");
        assertThat(vmi.at("/spec/domain/machine/type").asText()).as("the preference's, not KubeVirt's default q35")
                .isEqualTo("pc-q35-rhel9.6.0");
        assertThat(vmi.at("/metadata/annotations").path("kubevirt.io/cluster-instancetype-name").asText()).isEqualTo("c2-1gi");

        String xml = cluster.domain(vm, List.of(), false).xml();
        assertThat(xml).contains("<memory unit=\"b\">1073741824</memory>", "machine=\"pc-q35-rhel9.6.0\"",
                "<target bus=\"sata\" dev=\"sda\">", "<model type=\"e1000e\">");
        assertThat(xml.split("enabled=\"yes\"", -1)).as("2 vCPUs online").hasSize(3);
        Pod pod = cluster.launcherPod(vm, List.of(), List.of(), "example.org/shim:1");
        assertThat(pod.getSpec().getContainers().get(0).getResources().getRequests().get("memory").getNumericalAmount())
                .as("the launcher asks for the instancetype's memory and KubeVirt's overhead")
                .isGreaterThan(java.math.BigDecimal.valueOf(1L << 30));

        assertThat(kubevirt.admitVm(vm, List.of()).allowed()).as("virt-api ignores an instancetype it cannot find").isTrue();
        assertThatThrownBy(() -> kubevirt.vmi(vm, List.of())).as("virt-controller does not start the VM without them")
                .hasMessageContaining("virtualmachineclusterpreferences.instancetype.kubevirt.io \"sata-e1000e-q35\" not found");
        assertThatThrownBy(() -> kubevirt.withObjects(objects(INSTANCETYPE_AND_PREFERENCE).subList(1, 2)).vmi(vm, List.of()))
                .hasMessageContaining("virtualmachineclusterinstancetypes.instancetype.kubevirt.io \"c2-1gi\" not found");
    }

    @Test
    void aVmPinnedToAControllerRevisionTakesTheRevisionsInstancetypeNotTheCurrentOne() throws IOException {
        ObjectNode vm = (ObjectNode) YAML.readTree(VM_WITH_INSTANCETYPE);
        ((ObjectNode) vm.at("/spec/instancetype")).put("revisionName", "vm-c2-c2-1gi-1");
        JsonNode revision = YAML.readTree("""
                apiVersion: apps/v1
                kind: ControllerRevision
                metadata: {name: vm-c2-c2-1gi-1, namespace: tenant}
                revision: 1
                data:
                  apiVersion: instancetype.kubevirt.io/v1beta1
                  kind: VirtualMachineClusterInstancetype
                  metadata: {name: c2-1gi}
                  spec: {cpu: {guest: 3}, memory: {guest: 2Gi}}
                """);
        List<JsonNode> objects = new java.util.ArrayList<>(objects(INSTANCETYPE_AND_PREFERENCE));
        objects.add(revision);

        JsonNode vmi = kubevirt.withObjects(objects).vmi(vm, List.of());
        assertThat(vmi.at("/spec/domain/cpu/sockets").asInt()).as("the revision's 3 CPUs, as sockets").isEqualTo(3);
        assertThat(vmi.at("/spec/domain/memory/guest").asText()).isEqualTo("2Gi");
    }

    @Test
    void aVmThatSetsWhatItsInstancetypeSetsIsRefusedInKubeVirtsOwnWords() throws IOException {
        // KubeVirt's own example VM sets memory.guest beside the instancetype that sets it: KubeVirt refuses it.
        KubeVirtCode withCsmall = kubevirt.withObjects(List.of(YAML.readTree(INSTANCETYPES.resolve("cluster-csmall.yaml").toFile())));
        assertThat(withCsmall.admitVm(example("vm-cirros-cluster-csmall.yaml"), List.of()).causes()).containsExactly(
                new KubeVirtCode.Cause("FieldValueInvalid", "spec.template.spec.domain.memory.guest",
                        "VM field(s) spec.template.spec.domain.memory.guest conflicts with selected instance type"));

        ObjectNode vm = (ObjectNode) YAML.readTree(VM_WITH_INSTANCETYPE);
        ((ObjectNode) vm.at("/spec/template/spec/domain")).putObject("cpu").put("sockets", 4);
        KubeVirtCode cluster = kubevirt.withObjects(objects(INSTANCETYPE_AND_PREFERENCE));
        assertThat(cluster.admitVm(vm, List.of()).causes()).containsExactly(new KubeVirtCode.Cause("FieldValueInvalid",
                "spec.template.spec.domain.cpu.sockets",
                "VM field(s) spec.template.spec.domain.cpu.sockets conflicts with selected instance type"));
        assertThatThrownBy(() -> cluster.vmi(vm, List.of())).hasMessageContaining("spec.domain.cpu.sockets");
    }

    @Test
    void badInputIsKubeVirtsErrorNotAResult() throws IOException {
        ObjectNode notAVm = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        assertThatThrownBy(() -> kubevirt.admitVm(notAVm, List.of())).hasMessageContaining("want VirtualMachine");
        ObjectNode alpha = YAML.createObjectNode().put("apiVersion", "instancetype.kubevirt.io/v1alpha2")
                .put("kind", "VirtualMachineClusterInstancetype");
        ObjectNode vm = example("vm-cirros.yaml");
        assertThatThrownBy(() -> kubevirt.withObjects(List.of(alpha)).admitVm(vm, List.of()))
                .hasMessageContaining("objects[0]: apiVersion \"instancetype.kubevirt.io/v1alpha2\"");
    }
}
