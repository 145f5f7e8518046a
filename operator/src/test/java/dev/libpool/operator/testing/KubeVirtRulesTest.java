package dev.libpool.operator.testing;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The test helpers that judge patched VMs do catch what KubeVirt would refuse. */
class KubeVirtRulesTest {

    @Test
    void theExamplesConformAndBrokenVmsDoNot() {
        ObjectNode vm = VmFixtures.load("vm-cirros.yaml");
        assertThat(KubeVirtSchema.violations(vm)).isEmpty();
        assertThat(KubeVirtAdmission.violations(vm, Set.of())).isEmpty();

        ObjectNode unknownField = vm.deepCopy();
        ((ArrayNode) VmFixtures.volumes(unknownField)).addObject().put("name", "x").putObject("hostDisk")
                .put("path", "/p").put("type", "Disk").put("bogus", 1);
        assertThat(KubeVirtSchema.violations(unknownField)).anySatisfy(v -> assertThat(v).contains("bogus"));
        assertThat(KubeVirtAdmission.violations(unknownField, Set.of()))
                .contains("x: hostDisk needs the HostDisk feature gate");

        ObjectNode large = vm.deepCopy();
        ((ObjectNode) VmFixtures.volumes(large).get(1).get("cloudInitNoCloud")).put("userData", "x".repeat(2049))
                .put("userDataBase64", "eA==");
        assertThat(KubeVirtAdmission.violations(large, Set.of())).containsExactlyInAnyOrder(
                "cloudinitdisk: more than one user data source", "cloudinitdisk: userdata exceeds 2048 byte limit (2049)");

        ObjectNode badHook = vm.deepCopy();
        ((ObjectNode) badHook.at("/spec/template/metadata")).putObject("annotations")
                .put("hooks.kubevirt.io/hookSidecars", "{}");
        assertThat(KubeVirtAdmission.violations(badHook, Set.of("Sidecar")))
                .containsExactly("hooks.kubevirt.io/hookSidecars is not a JSON array");

        ObjectNode orphanDisk = vm.deepCopy();
        ((ArrayNode) orphanDisk.at("/spec/template/spec/domain/devices/disks")).addObject().put("name", "nothing");
        assertThat(KubeVirtAdmission.violations(orphanDisk, Set.of())).containsExactly("disk nothing has no volume of that name");
    }
}
