package dev.libpool.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The few rules of KubeVirt's admission webhook that a libpool patch touches, re-implemented for tests
 * (kubevirt v1.9, pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go, which the VM
 * admitter applies to spec.template.spec):
 * <ul>
 *   <li>ValidateVirtualMachineInstanceSpec, cloud-init: inline user data (userData, or userDataBase64 decoded)
 *       at most 2048 bytes ("userdata exceeds 2048 byte limit. Should use UserDataSecretRef for larger data"),
 *       and one user-data source per volume;</li>
 *   <li>hostDisk: feature gate HostDisk, a path, type Disk or DiskOrCreate, capacity only with DiskOrCreate;</li>
 *   <li>disks and volumes: names unique, every disk names an existing volume;</li>
 *   <li>hooks.kubevirt.io/hookSidecars: feature gate Sidecar and a JSON array (pkg/hooks ParseSidecars).</li>
 * </ul>
 */
public final class KubeVirtAdmission {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int USER_DATA_LIMIT = 2048;

    private KubeVirtAdmission() {
    }

    /** One message per rule broken by the VM's template, given the feature gates KubeVirt has on. */
    public static List<String> violations(JsonNode vm, Set<String> featureGates) {
        List<String> found = new ArrayList<>();
        JsonNode spec = vm.path("spec").path("template").path("spec");
        Set<String> volumes = new HashSet<>();
        for (JsonNode volume : spec.path("volumes")) {
            String name = volume.path("name").asText();
            if (!volumes.add(name)) {
                found.add("volume " + name + " is defined twice");
            }
            for (String source : List.of("cloudInitNoCloud", "cloudInitConfigDrive")) {
                if (volume.has(source)) {
                    cloudInit(name, volume.get(source), found);
                }
            }
            if (volume.has("hostDisk")) {
                hostDisk(name, volume.get("hostDisk"), featureGates, found);
            }
        }
        Set<String> disks = new HashSet<>();
        for (JsonNode disk : spec.path("domain").path("devices").path("disks")) {
            String name = disk.path("name").asText();
            if (!disks.add(name)) {
                found.add("disk " + name + " is defined twice");
            }
            if (!volumes.contains(name)) {
                found.add("disk " + name + " has no volume of that name");
            }
        }
        JsonNode hooks = vm.path("spec").path("template").path("metadata").path("annotations")
                .path("hooks.kubevirt.io/hookSidecars");
        if (!hooks.isMissingNode()) {
            if (!featureGates.contains("Sidecar")) {
                found.add("hook sidecars need the Sidecar feature gate");
            }
            try {
                if (!JSON.readTree(hooks.asText()).isArray()) {
                    found.add("hooks.kubevirt.io/hookSidecars is not a JSON array");
                }
            } catch (Exception e) {
                found.add("hooks.kubevirt.io/hookSidecars is not JSON: " + e.getMessage());
            }
        }
        return found;
    }

    private static void cloudInit(String volume, JsonNode source, List<String> found) {
        int sources = 0;
        for (String field : List.of("userData", "userDataBase64", "userDataSecretRef", "secretRef")) {
            sources += source.has(field) ? 1 : 0;
        }
        if (sources > 1) {
            found.add(volume + ": more than one user data source");
        }
        int size = 0;
        if (source.has("userData")) {
            size = source.get("userData").asText().getBytes(StandardCharsets.UTF_8).length;
        } else if (source.has("userDataBase64")) {
            try {
                size = Base64.getDecoder().decode(source.get("userDataBase64").asText()).length;
            } catch (IllegalArgumentException e) {
                found.add(volume + ": userDataBase64 is not base64");
            }
        }
        if (size > USER_DATA_LIMIT) {
            found.add(volume + ": userdata exceeds 2048 byte limit (" + size + ")");
        }
    }

    private static void hostDisk(String volume, JsonNode hostDisk, Set<String> featureGates, List<String> found) {
        if (!featureGates.contains("HostDisk")) {
            found.add(volume + ": hostDisk needs the HostDisk feature gate");
        }
        if (hostDisk.path("path").asText("").isEmpty()) {
            found.add(volume + ": hostDisk path is empty");
        }
        String type = hostDisk.path("type").asText("");
        if (!type.equals("Disk") && !type.equals("DiskOrCreate")) {
            found.add(volume + ": hostDisk type must be Disk or DiskOrCreate, got '" + type + "'");
        }
        if (hostDisk.has("capacity") && !type.equals("DiskOrCreate")) {
            found.add(volume + ": hostDisk capacity is only allowed with DiskOrCreate");
        }
    }
}
