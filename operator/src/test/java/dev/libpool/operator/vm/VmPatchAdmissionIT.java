package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.kubetest.KubeVirtCode;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Every VM VmPatchPlanTest patches and unpatches is admitted by KubeVirt v1.9.0's own admission (virt-api's VM
 * webhook and the VMI create webhook of the VMI virt-controller makes of it) with the feature gates libpool
 * documents; without them KubeVirt refuses the patched VM with the causes docs/operator.md quotes.
 */
class VmPatchAdmissionIT {
    private KubeVirtCode kubevirt;

    /** Per test, so that each one is counted as skipped, with the reason, when the tool is not built. */
    @BeforeEach
    void tool() {
        kubevirt = KubeVirtCode.get();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("dev.libpool.operator.vm.VmPatchPlanTest#vms")
    void kubeVirtAdmitsThePatchedVmAndTheVmUnpatchedAsItDidTheOriginal(String fixture, Attachment attachment) {
        ObjectNode vm = VmPatchPlanTest.vm(fixture);
        JsonNode patched = VmPatchPlanTest.apply(VmPatchPlan.plan(vm, Optional.of(attachment)).patch().orElseThrow(), vm);
        kubevirt.assertAdmitted(patched, KubeVirtCheck.REQUIRED_GATES);

        ArrayNode detach = VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow();
        JsonNode restored = VmPatchPlanTest.apply(detach, patched);
        // Not every fixture is a VM KubeVirt admits (empty-user-data is refused: "must have at least one
        // userdatasource or one networkdatasource set"); the unpatched VM gets the original's verdict, cause for cause.
        KubeVirtCode.Admission original = kubevirt.admitVm(vm, KubeVirtCheck.REQUIRED_GATES);
        assertThat(kubevirt.admitVm(restored, KubeVirtCheck.REQUIRED_GATES)).isEqualTo(original);
        if (original.allowed()) {
            kubevirt.assertAdmitted(restored, KubeVirtCheck.REQUIRED_GATES);
        }
    }

    @Test
    void aVmWithEmptyUserDataIsOneKubeVirtRefusesAndThePatchedOneItAdmits() {
        ObjectNode vm = VmPatchPlanTest.vm("empty-user-data");
        assertThat(kubevirt.admitVm(vm, KubeVirtCheck.REQUIRED_GATES).causes()).extracting(KubeVirtCode.Cause::field,
                KubeVirtCode.Cause::message).containsExactly(tuple("spec.template.spec.volumes[1].cloudInitNoCloud",
                "spec.template.spec.volumes[1].cloudInitNoCloud must have at least one userdatasource or one networkdatasource set."));
        kubevirt.assertAdmitted(VmPatchPlanTest.apply(VmPatchPlan.plan(vm, Optional.of(VmPatchPlanTest.CLOUD_INIT)).patch()
                .orElseThrow(), vm), KubeVirtCheck.REQUIRED_GATES);
    }

    /**
     * virt-controller's launcher pod of a patched VM: the pool file's directory as a hostPath volume and the hook
     * ConfigMap as a volume, names unique (the API server refuses a pod with two volumes of one name), scheduled only
     * onto nodes that serve the pool. Issue 19, defect 3: a pool named "hook" gave a hostDisk volume libpool-hook next to the ConfigMap volume libpool-hook.
     */
    @ParameterizedTest(name = "pool {0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"base", "hook"})
    void theLauncherPodOfAPatchedVmHasThePoolDirectoryAndTheHookWithUniqueVolumeNames(String pool) {
        ObjectNode vm = VmPatchPlanTest.vm("vm-cirros.yaml");
        Attachment attachment = new Attachment(pool, "/var/lib/libpool/pools/" + pool + "/pool.img", 306184192L,
                Optional.empty(), "");
        JsonNode patched = VmPatchPlanTest.apply(VmPatchPlan.plan(vm, Optional.of(attachment)).patch().orElseThrow(), vm);
        ConfigMap hook = new ConfigMapBuilder().withNewMetadata().withName(VmContract.HOOK_CONFIG_MAP)
                .withNamespace("tenant").endMetadata().addToData(VmContract.HOOK_KEY, "# the hook\n").build();

        Pod pod = kubevirt.launcherPod(patched, KubeVirtCheck.REQUIRED_GATES, List.of(hook), "registry.example/sidecar-shim:v1.9.0");

        List<String> names = pod.getSpec().getVolumes().stream().map(Volume::getName).toList();
        assertThat(names).doesNotHaveDuplicates();
        assertThat(pod.getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getHostPath()).isNotNull();
            assertThat(v.getHostPath().getPath()).isEqualTo("/var/lib/libpool/pools/" + pool);
            assertThat(v.getHostPath().getType()).isEqualTo("Directory");
        });
        assertThat(pod.getSpec().getVolumes()).anySatisfy(v ->
                assertThat(v.getConfigMap()).isNotNull().satisfies(c -> assertThat(c.getName()).isEqualTo(VmContract.HOOK_CONFIG_MAP)));
        assertThat(pod.getSpec().getContainers()).extracting(c -> c.getImage())
                .as("an empty image in libpool's sidecar entry is the installed sidecar-shim")
                .contains("registry.example/sidecar-shim:v1.9.0");
        // Defect 4: the scheduler only places the pod on a node the operator labelled as serving the pool, so the
        // hostPath (type Directory) exists where the pod lands. KubeVirt adds its own expressions to the term (its
        // host-model CPU one), as libpool does.
        assertThat(pod.getSpec().getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution()
                .getNodeSelectorTerms()).as("the launcher pod's required node affinity").singleElement()
                .satisfies(term -> assertThat(term.getMatchExpressions()).anySatisfy(e -> {
                    assertThat(e.getKey()).isEqualTo(VmContract.nodeLabel(pool));
                    assertThat(e.getOperator()).isEqualTo("In");
                    assertThat(e.getValues()).containsExactly(VmContract.NODE_LABEL_VALUE);
                }));
    }

    @Test
    void withoutTheGatesKubeVirtGivesTheCausesTheOperatorDocsQuote() throws IOException {
        ObjectNode vm = VmPatchPlanTest.vm("no-cloud-init");
        JsonNode patched = VmPatchPlanTest.apply(VmPatchPlan.plan(vm, Optional.of(VmPatchPlanTest.CLOUD_INIT)).patch()
                .orElseThrow(), vm);
        String docs = Files.readString(Path.of("../docs/operator.md"));

        KubeVirtCode.Admission none = kubevirt.admitVm(patched, List.of());
        assertThat(none.allowed()).isFalse();
        assertThat(none.causes()).extracting(KubeVirtCode.Cause::message).containsExactlyInAnyOrder(
                "sidecar feature gate is not enabled in kubevirt-config, invalid entry "
                        + "spec.template.metadata.annotations.hooks.kubevirt.io/hookSidecars",
                "HostDisk feature gate is not enabled");
        assertThat(kubevirt.admitVm(patched, List.of("Sidecar")).causes()).singleElement().satisfies(c -> {
            assertThat(c.message()).isEqualTo("HostDisk feature gate is not enabled");
            assertThat(c.field()).isEqualTo("spec.template.spec.volumes[2]");
        });
        assertThat(kubevirt.admitVm(patched, List.of("HostDisk")).causes()).extracting(KubeVirtCode.Cause::field,
                        KubeVirtCode.Cause::message)
                .containsExactly(tuple("spec.template.metadata.annotations", "sidecar feature gate is not enabled in kubevirt-config, invalid entry "
                        + "spec.template.metadata.annotations.hooks.kubevirt.io/hookSidecars"));
        for (KubeVirtCode.Cause cause : none.causes()) {
            assertThat(docs).as("docs/operator.md quotes KubeVirt's cause").contains(cause.message());
        }
        for (String gate : KubeVirtCheck.REQUIRED_GATES) {
            assertThat(docs).as("docs/operator.md's feature-gate command enables " + gate)
                    .contains("\"path\":\"/spec/configuration/developerConfiguration/featureGates/-\",\"value\":\"" + gate + "\"");
        }
    }
}
