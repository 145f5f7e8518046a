package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.libpool.api.v1alpha1.VmContract;

import java.util.List;
import java.util.Map;

/**
 * The launcher pod names libpool's additions need, kept free in the VM's own parts. KubeVirt v1.9.0 names a pod
 * volume after each VM volume (pkg/virt-controller/services/rendervolumes.go, handleHostDisk: {@code Name:
 * volume.Name}) and after each hook sidecar's ConfigMap or PVC (template.go, RenderLaunchManifest: {@code Name:
 * cm.Name}, {@code Name: requestedHookSidecar.PVC.Name}); a name twice makes the API server refuse the pod, and the
 * VM never starts. libpool's own names cannot collide with each other by {@link VmContract}'s naming rule; a VM
 * whose own volume, disk or sidecar uses one of them is refused, naming the field.
 */
final class ReservedNames {
    private static final Map<String, String> LISTS = Map.of(CloudInitEdit.VOLUMES, "spec.template.spec.volumes",
            CloudInitEdit.DISKS, "spec.template.spec.domain.devices.disks");
    private static final List<String> SIDECAR_VOLUMES = List.of("configMap", "pvc");

    private ReservedNames() {
    }

    /**
     * @param vm   the VM without libpool's parts
     * @param pool the pool to attach
     */
    static void check(JsonNode vm, String pool) throws CloudInitEdit.Refused {
        for (Map.Entry<String, String> list : LISTS.entrySet()) {
            for (JsonNode item : Json.array(vm, list.getKey()).orElseGet(Json.MAPPER::createArrayNode)) {
                refuseIfTaken(item.path("name").asText(null), list.getValue(), pool);
            }
        }
        JsonNode hooks = vm.at(VmEdit.TEMPLATE_ANNOTATIONS).path(VmContract.HOOK_SIDECARS_ANNOTATION);
        ArrayNode entries;
        try {
            entries = HookAnnotation.parse(hooks.asText(null));
        } catch (IllegalArgumentException e) {
            return; // VmEdit refuses the unreadable annotation itself
        }
        for (int i = 0; i < entries.size(); i++) {
            if (HookAnnotation.isOurs(entries.get(i))) {
                continue;
            }
            for (String kind : SIDECAR_VOLUMES) {
                refuseIfTaken(entries.get(i).path(kind).path("name").asText(null), "the annotation "
                        + VmContract.HOOK_SIDECARS_ANNOTATION + "[" + i + "]." + kind + ".name", pool);
            }
        }
    }

    private static void refuseIfTaken(String name, String field, String pool) throws CloudInitEdit.Refused {
        if (name == null || !(name.equals(VmContract.volumeName(pool)) || name.startsWith(VmContract.ADDED_NAME_PREFIX))) {
            return;
        }
        String what = name.startsWith(VmContract.ADDED_NAME_PREFIX) ? "a name reserved for what libpool adds ("
                + VmContract.ADDED_NAME_PREFIX + "*)" : "the name libpool gives pool " + pool;
        throw new CloudInitEdit.Refused(Refusal.Reason.VolumeNameTaken, field + " uses " + name + ", " + what
                + ", and the launcher pod would get two volumes of that name: rename it");
    }
}
