package dev.libpool.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KubevirtCrdsTest {
    private static final List<CustomResourceDefinition> CRDS = KubevirtCrds.fromBundledSwagger();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void threeNamespacedKindsWithStatusSubresource() {
        assertThat(CRDS).extracting(c -> c.getMetadata().getName()).containsExactly(
                "virtualmachines.kubevirt.io", "virtualmachineinstances.kubevirt.io", "kubevirts.kubevirt.io");
        assertThat(CRDS).allSatisfy(c -> {
            assertThat(c.getSpec().getScope()).isEqualTo("Namespaced");
            assertThat(c.getSpec().getVersions()).singleElement().satisfies(v -> {
                assertThat(v.getName()).isEqualTo("v1");
                assertThat(v.getSubresources().getStatus()).isNotNull();
            });
        });
    }

    @Test
    void schemasAreStructuralWithEveryReferenceInlined() {
        for (CustomResourceDefinition crd : CRDS) {
            JsonNode schema = JSON.valueToTree(schema(crd));
            assertThat(schema.findValues("$ref")).as("%s has references left", crd.getMetadata().getName()).isEmpty();
            assertThat(schema.findValues("description")).isEmpty();
            assertEveryNodeTyped(schema, crd.getMetadata().getName());
        }
    }

    @Test
    void virtualMachineKeepsWhatKubevirtsOwnCrdKeeps() {
        JSONSchemaProps vm = schema(CRDS.get(0));
        assertThat(vm.getRequired()).contains("spec");
        assertThat(vm.getProperties().get("metadata").getXKubernetesPreserveUnknownFields()).isNull();
        JSONSchemaProps template = vm.getProperties().get("spec").getProperties().get("template");
        assertThat(template.getProperties().get("metadata").getXKubernetesPreserveUnknownFields())
                .as("the template's labels and annotations survive pruning").isTrue();
        JSONSchemaProps memory = template.getProperties().get("spec").getProperties().get("domain").getProperties()
                .get("memory").getProperties().get("guest");
        assertThat(memory.getXKubernetesIntOrString()).isTrue();
        JSONSchemaProps hostDisk = template.getProperties().get("spec").getProperties().get("volumes").getItems()
                .getSchema().getProperties().get("hostDisk");
        assertThat(hostDisk.getRequired()).contains("path", "type");
    }

    private static void assertEveryNodeTyped(JsonNode schema, String where) {
        if (schema.has("anyOf")) {
            assertThat(schema.path("x-kubernetes-int-or-string").asBoolean()).as(where).isTrue();
            return;
        }
        assertThat(schema.path("type").asText()).as("type of %s", where).isNotEmpty();
        schema.path("properties").fields().forEachRemaining(p -> assertEveryNodeTyped(p.getValue(), where + "." + p.getKey()));
        if (schema.has("items")) {
            assertEveryNodeTyped(schema.get("items"), where + "[]");
        }
        if (schema.has("additionalProperties")) {
            assertEveryNodeTyped(schema.get("additionalProperties"), where + "{}");
        }
    }

    private static JSONSchemaProps schema(CustomResourceDefinition crd) {
        return crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema();
    }
}
