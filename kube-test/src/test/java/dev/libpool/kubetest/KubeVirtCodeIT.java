package dev.libpool.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** KubeVirt v1.9.0's own code, through kubevirt-sim, on KubeVirt's own examples (src/main/resources/kubevirt). */
class KubeVirtCodeIT {
    private static final Path EXAMPLES = Path.of("src/main/resources/kubevirt/vm-examples");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static KubeVirtCode kubevirt;

    @BeforeAll
    static void tool() {
        kubevirt = KubeVirtCode.get();
    }

    static ObjectNode example(String name) throws IOException {
        return (ObjectNode) YAML.readTree(EXAMPLES.resolve(name).toFile());
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
    void badInputIsKubeVirtsErrorNotAResult() {
        ObjectNode notAVm = YAML.createObjectNode().put("apiVersion", "v1").put("kind", "ConfigMap");
        assertThatThrownBy(() -> kubevirt.admitVm(notAVm, List.of())).hasMessageContaining("want VirtualMachine");
    }
}
