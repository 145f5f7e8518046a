package dev.libpool.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

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

    public static JsonNode volumes(JsonNode vm) {
        return vm.path("spec").path("template").path("spec").path("volumes");
    }
}
