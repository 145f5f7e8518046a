package dev.libpool.operator.vm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;

/**
 * KubeVirt's {@code hooks.kubevirt.io/hookSidecars} annotation: a JSON array of sidecars. libpool appends its
 * entry after the user's (kept in order) and, when taking it out leaves the user's list, gives back the
 * user's text exactly as written.
 */
final class HookAnnotation {
    private HookAnnotation() {
    }

    /**
     * libpool's sidecar: KubeVirt's sidecar-shim running the hook script of the namespace's hook ConfigMap. A blank
     * image is left out: KubeVirt (>= 1.3) then runs its installed shim (see KubeVirtCheck.INSTALLED_SIDECAR_SHIM).
     */
    static ObjectNode entry(String sidecarImage) {
        ObjectNode entry = Json.MAPPER.createObjectNode();
        entry.putArray("args").add("--version").add(VmContract.HOOK_API_VERSION);
        if (sidecarImage != null && !sidecarImage.isBlank()) {
            entry.put("image", sidecarImage);
        }
        entry.putObject("configMap").put("name", VmContract.HOOK_CONFIG_MAP).put("key", VmContract.HOOK_KEY)
                .put("hookPath", VmContract.HOOK_PATH);
        return entry;
    }

    /** libpool's entry, also as release 0.1 wrote it (ConfigMap {@link VmContract#LEGACY_HOOK_CONFIG_MAP}). */
    static boolean isOurs(JsonNode entry) {
        return names(entry, VmContract.HOOK_CONFIG_MAP) || names(entry, VmContract.LEGACY_HOOK_CONFIG_MAP);
    }

    /** Whether the annotation value holds libpool's entry of release 0.1; false for an unreadable value. */
    static boolean hasFormerEntry(String value) {
        try {
            for (JsonNode entry : parse(value)) {
                if (names(entry, VmContract.LEGACY_HOOK_CONFIG_MAP)) {
                    return true;
                }
            }
        } catch (IllegalArgumentException e) {
            // not ours to read
        }
        return false;
    }

    private static boolean names(JsonNode entry, String configMapName) {
        JsonNode configMap = entry.path("configMap");
        return configMapName.equals(configMap.path("name").asText(null))
                && VmContract.HOOK_KEY.equals(configMap.path("key").asText(null));
    }

    /** The user's annotation value with libpool's entry appended. */
    static String withOurs(String userValue, String sidecarImage) {
        ArrayNode list = parse(userValue);
        list.add(entry(sidecarImage));
        return list.toString();
    }

    /** The annotation value without libpool's entry: the user's original text when the rest is unchanged. */
    static String withoutOurs(String current, String original) {
        ArrayNode list = parse(current);
        for (int i = list.size() - 1; i >= 0; i--) {
            if (isOurs(list.get(i))) {
                list.remove(i);
            }
        }
        if (original != null && parse(original).equals(list)) {
            return original;
        }
        return list.isEmpty() && original == null ? null : list.toString();
    }

    /** The sidecars of a value; an unreadable value is the user's to fix, named in the exception. */
    static ArrayNode parse(String value) {
        if (value == null || value.isBlank()) {
            return Json.MAPPER.createArrayNode();
        }
        try {
            JsonNode node = Json.MAPPER.readTree(value);
            if (node.isArray()) {
                return (ArrayNode) node;
            }
        } catch (JsonProcessingException e) {
            // reported below with the fix
        }
        throw new IllegalArgumentException("annotation " + VmContract.HOOK_SIDECARS_ANNOTATION + " on the VM template "
                + "is not a JSON array of sidecars; KubeVirt would refuse it too: fix it, e.g. "
                + "'[{\"args\":[\"--version\",\"v1alpha2\"],\"image\":\"...\"}]'");
    }
}
