package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.kubetest.KubeVirtCode;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import org.junit.jupiter.api.BeforeAll;
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
    private static KubeVirtCode kubevirt;

    @BeforeAll
    static void tool() {
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
