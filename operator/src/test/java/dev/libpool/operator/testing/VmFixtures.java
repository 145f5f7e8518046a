package dev.libpool.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.libpool.api.v1alpha1.VmContract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** KubeVirt's example VMs (test resources kubevirt/*.yaml) as JSON trees. */
public final class VmFixtures {
    private static final YAMLMapper YAML = new YAMLMapper();

    private VmFixtures() {
    }

    public static ObjectNode load(String name) {
        try (InputStream in = VmFixtures.class.getResourceAsStream("/kubevirt/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource kubevirt/" + name + " missing");
            }
            return (ObjectNode) YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The example VM in namespace {@code ns}, opted into {@code pool}, as the API server returns it. */
    public static ObjectNode optedIn(String name, String ns, String pool) {
        ObjectNode vm = load(name);
        ObjectNode metadata = (ObjectNode) vm.get("metadata");
        metadata.put("namespace", ns).put("resourceVersion", "7");
        ((ObjectNode) metadata.with("labels")).put("libpool.dev/pool", pool);
        return vm;
    }

    /** A VM patched by this release as release 0.1 patched it: its hook entry names the ConfigMap libpool-hook. */
    public static ObjectNode formerRelease(JsonNode patched) {
        ObjectNode vm = patched.deepCopy();
        ObjectNode annotations = (ObjectNode) vm.at("/spec/template/metadata/annotations");
        annotations.put(VmContract.HOOK_SIDECARS_ANNOTATION, annotations.get(VmContract.HOOK_SIDECARS_ANNOTATION).asText()
                .replace("\"" + VmContract.HOOK_CONFIG_MAP + "\"", "\"" + VmContract.LEGACY_HOOK_CONFIG_MAP + "\""));
        return vm;
    }

    public static JsonNode volumes(JsonNode vm) {
        return vm.path("spec").path("template").path("spec").path("volumes");
    }
}
