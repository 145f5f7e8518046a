package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.guest.GuestSetup;
import dev.libpool.operator.testing.VmFixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static dev.libpool.operator.vm.VmPatchPlanTest.apply;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The launcher pod of a patched VM never gets two volumes of one name. KubeVirt v1.9.0 names the pod volumes after
 * the VM's volumes (pkg/virt-controller/services/rendervolumes.go, handleHostDisk: {@code Name: volume.Name}) and
 * after each hook sidecar's ConfigMap or PVC (template.go, RenderLaunchManifest: {@code Name: cm.Name},
 * {@code Name: requestedHookSidecar.PVC.Name}); the API server refuses a pod with a name twice.
 */
class PodVolumeNamesTest {

    @Test
    void aPoolNamedHookAndAVmVolumeNamedLibpoolHookGiveDistinctPodVolumes() throws Exception {
        for (String pool : List.of("hook", "cloudinit", "base")) {
            ObjectNode vm = VmFixtures.optedIn("vm-cirros-with-sidecar-hook-configmap.yaml", "tenant", pool);
            JsonNode patched = apply(VmPatchPlan.plan(vm, Optional.of(attachment(pool, true))).patch().orElseThrow(), vm);
            assertThat(podVolumeNames(patched)).as(pool).doesNotHaveDuplicates()
                    .contains(VmContract.volumeName(pool), VmContract.HOOK_CONFIG_MAP);
        }
        ObjectNode own = VmFixtures.optedIn("vm-cirros.yaml", "tenant", "base");
        addVolume(own, VmContract.LEGACY_HOOK_CONFIG_MAP);
        VmPatchPlan.Plan plan = VmPatchPlan.plan(own, Optional.of(attachment("base", false)));
        assertThat(plan.refusal()).isEmpty();
        assertThat(podVolumeNames(apply(plan.patch().orElseThrow(), own))).doesNotHaveDuplicates()
                .contains(VmContract.LEGACY_HOOK_CONFIG_MAP, VmContract.HOOK_CONFIG_MAP);
    }

    @Test
    void aVmThatUsesANameLibpoolAddsIsRefusedNamingTheFieldAndTheFix() {
        for (String name : List.of(VmContract.HOOK_CONFIG_MAP, VmContract.CLOUD_INIT_VOLUME, "libpool--later")) {
            ObjectNode volume = VmFixtures.optedIn("vm-cirros.yaml", "tenant", "base");
            addVolume(volume, name);
            assertRefused(volume, "spec.template.spec.volumes", name);

            ObjectNode disk = VmFixtures.optedIn("vm-cirros.yaml", "tenant", "base");
            ((ArrayNode) disk.at(CloudInitEdit.DISKS)).addObject().put("name", name).putObject("disk").put("bus", "virtio");
            assertRefused(disk, "spec.template.spec.domain.devices.disks", name);
        }
        for (String name : List.of(VmContract.HOOK_CONFIG_MAP, VmContract.volumeName("base"))) {
            for (String kind : List.of("configMap", "pvc")) {
                ObjectNode hook = VmFixtures.optedIn("vm-cirros.yaml", "tenant", "base");
                ObjectNode entry = Json.MAPPER.createObjectNode();
                entry.put("image", "example/own-hook:1").putObject(kind).put("name", name).put("key", "other.sh");
                ((ObjectNode) hook.at("/spec/template").with("metadata").with("annotations"))
                        .put(VmContract.HOOK_SIDECARS_ANNOTATION, "[" + entry + "]");
                assertRefused(hook, VmContract.HOOK_SIDECARS_ANNOTATION + "[0]." + kind + ".name", name);
            }
        }
    }

    @Test
    void aVmPatchedWithTheFormerHookConfigMapIsPatchedToTheNewOne() throws Exception {
        ObjectNode vm = VmFixtures.optedIn("vm-cirros-with-sidecar-hook-configmap.yaml", "tenant", "hook");
        Attachment attachment = attachment("hook", true);
        JsonNode current = apply(VmPatchPlan.plan(vm, Optional.of(attachment)).patch().orElseThrow(), vm);
        JsonNode former = VmFixtures.formerRelease(current);
        assertThat(podVolumeNames(former)).as("the defect: pool hook's volume and the ConfigMap's")
                .filteredOn(VmContract.LEGACY_HOOK_CONFIG_MAP::equals).hasSize(2);

        VmPatchPlan.Plan plan = VmPatchPlan.plan(former, Optional.of(attachment));
        assertThat(plan.refusal()).isEmpty();
        assertThat(apply(plan.patch().orElseThrow(), former)).isEqualTo(current);
        assertThat(apply(VmPatchPlan.plan(former, Optional.empty()).patch().orElseThrow(), former).toString())
                .as("detach from the former release's patch restores the VM exactly").isEqualTo(vm.toString());
        assertThat(VmPatchPlan.usesFormerHookConfigMap(former)).isTrue();
        assertThat(VmPatchPlan.usesFormerHookConfigMap(current)).isFalse();
        assertThat(VmPatchPlan.usesFormerHookConfigMap(vm)).isFalse();
    }

    private static void assertRefused(ObjectNode vm, String field, String name) {
        VmPatchPlan.Plan plan = VmPatchPlan.plan(vm, Optional.of(attachment("base", true)));
        assertThat(plan.patch()).as("%s %s", field, name).isEmpty();
        assertThat(plan.refusal()).as("%s %s", field, name).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo(Refusal.Reason.VolumeNameTaken);
            assertThat(r.message()).contains(field, name, "rename");
        });
    }

    private static void addVolume(ObjectNode vm, String name) {
        ((ArrayNode) VmFixtures.volumes(vm)).addObject().put("name", name).putObject("emptyDisk").put("capacity", "1Gi");
    }

    private static Attachment attachment(String pool, boolean cloudInit) {
        return new Attachment(pool, VmContract.poolFile(VmContract.DEFAULT_STATE_DIR, pool), 306184192L,
                cloudInit ? Optional.of(GuestSetup.of(pool)) : Optional.empty(), "");
    }

    /** The names of the launcher pod's volumes that come from the VM: its volumes and its sidecars' ConfigMaps/PVCs. */
    static List<String> podVolumeNames(JsonNode vm) throws Exception {
        List<String> names = new ArrayList<>();
        VmFixtures.volumes(vm).forEach(v -> names.add(v.path("name").asText()));
        JsonNode hooks = vm.at(VmEdit.TEMPLATE_ANNOTATIONS).path(VmContract.HOOK_SIDECARS_ANNOTATION);
        if (hooks.isTextual()) {
            for (JsonNode entry : Json.MAPPER.readTree(hooks.asText())) {
                for (String kind : List.of("configMap", "pvc")) {
                    if (entry.has(kind)) {
                        names.add(entry.get(kind).path("name").asText());
                    }
                }
            }
        }
        return names;
    }
}
