package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What kubectl users see of the two kinds: scope, names, status subresource, printer columns. */
class CrdShapeTest {

    @Test
    void poolIsClusterScopedWithStatusAndTheAgreedColumns() {
        GeneratedCrd pools = GeneratedCrd.load(GeneratedCrd.POOLS);

        assertThat(pools.crd().at("/spec/scope").asText()).isEqualTo("Cluster");
        assertThat(pools.crd().at("/spec/names/shortNames/0").asText()).isEqualTo("slp");
        assertThat(pools.version().at("/subresources/status").isObject()).isTrue();
        assertThat(columns(pools)).containsEntry("Ready", ".status.conditions[?(@.type==\"Ready\")].status")
                .containsEntry("Nodes Ready", ".status.nodes.ready")
                .containsEntry("Nodes Desired", ".status.nodes.desired")
                .containsEntry("VMs Attached", ".status.vms.attached")
                .containsEntry("Saved", ".status.savedBytes")
                .containsEntry("Age", ".metadata.creationTimestamp");
    }

    @Test
    void reportIsClusterScopedWithStatusAndColumns() {
        GeneratedCrd reports = GeneratedCrd.load(GeneratedCrd.REPORTS);

        assertThat(reports.crd().at("/spec/scope").asText()).isEqualTo("Cluster");
        assertThat(reports.crd().at("/spec/names/shortNames/0").asText()).isEqualTo("npr");
        assertThat(reports.version().at("/subresources/status").isObject()).isTrue();
        assertThat(columns(reports)).containsKeys("Pools", "Pool States", "KSM", "KSM Policy", "Updated");
    }

    /** A column whose path names no schema field would stay empty forever, e.g. after a field rename. */
    @ParameterizedTest
    @ValueSource(strings = {GeneratedCrd.POOLS, GeneratedCrd.REPORTS})
    void everyColumnReadsAFieldOfTheSchema(String crdFile) {
        GeneratedCrd crd = GeneratedCrd.load(crdFile);
        columns(crd).forEach((name, path) -> {
            if (!path.startsWith(".metadata.")) {
                assertThat(schemaAt(crd.openApiV3Schema(), path)).as("schema field of column %s (%s)", name, path)
                        .isNotNull();
            }
        });
    }

    private static Map<String, String> columns(GeneratedCrd crd) {
        Map<String, String> columns = new LinkedHashMap<>();
        crd.version().path("additionalPrinterColumns")
                .forEach(c -> columns.put(c.path("name").asText(), c.path("jsonPath").asText()));
        return columns;
    }

    /** The schema of a simple JSON path; filters and [*] step into the list items. */
    private static JsonNode schemaAt(JsonNode schema, String jsonPath) {
        JsonNode node = schema;
        for (String step : jsonPath.substring(1).replaceAll("\\[[^]]*]", "[]").split("\\.")) {
            boolean list = step.endsWith("[]");
            node = node.path("properties").get(list ? step.substring(0, step.length() - 2) : step);
            if (node == null) {
                return null;
            }
            if (list) {
                node = node.get("items");
            }
        }
        return node;
    }
}
