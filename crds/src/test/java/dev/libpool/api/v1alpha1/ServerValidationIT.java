package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.kubetest.TestCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable.Validation;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;

import static dev.libpool.api.v1alpha1.ApiSerializationTest.SERIALIZATION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The same examples and broken pools as {@link ExamplesTest}, judged by a real API server with the committed
 * CRDs: the authority on structure, defaults and CEL. ExamplesTest's local validator stays as the fast check
 * that needs no server; this test fails whenever the two disagree. Objects are sent as a dry run with strict
 * field validation (kubectl's default), so nothing is stored.
 */
class ServerValidationIT {
    private static KubernetesClient client;

    @BeforeAll
    static void connect() {
        TestCluster cluster = TestCluster.get();
        System.out.println("ServerValidationIT: " + cluster.description());
        client = cluster.client();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.libpool.api.v1alpha1.ExamplesTest#examples")
    void exampleIsAcceptedAndDefaultedAsTheLocalValidatorDefaultsIt(ExamplesTest.ExampleObject example) {
        JsonNode stored = SERIALIZATION.convertValue(dryRunCreate(example.object()), JsonNode.class);
        assertThat(stored.get("spec")).as("%s as stored, against the local defaulting", example)
                .isEqualTo(ExamplesTest.POOLS.withDefaults(example.object()).get("spec"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.libpool.api.v1alpha1.ExamplesTest#rejected")
    void brokenPoolIsRejectedByTheServer(ExamplesTest.Rejected broken) throws IOException {
        ObjectNode pool = (ObjectNode) GeneratedCrd.YAML.readTree(ExamplesTest.EXAMPLES.resolve("basic-pool.yaml").toFile());
        broken.change().accept(pool);

        assertThatThrownBy(() -> dryRunCreate(pool)).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
            assertThat(e.getCode()).as("HTTP status").isIn(400, 422);
            assertThat(e.getMessage()).contains(ServerMessages.expected(broken.expectedMessage()));
        });
    }

    /** Without strict field validation (a client's default, unlike kubectl's) a misspelt field is dropped, not refused. */
    @Test
    void aMisspeltFieldIsOnlyRefusedUnderStrictValidation() throws IOException {
        ObjectNode pool = (ObjectNode) GeneratedCrd.YAML.readTree(ExamplesTest.EXAMPLES.resolve("basic-pool.yaml").toFile());
        ((ObjectNode) pool.get("spec")).put("maxsize", "1Gi");
        GenericKubernetesResource resource = SERIALIZATION.convertValue(pool, GenericKubernetesResource.class);

        GenericKubernetesResource stored = pools().resource(resource).dryRun().create();

        JsonNode spec = SERIALIZATION.convertValue(stored, JsonNode.class).get("spec");
        assertThat(spec.has("maxsize")).as("pruned: %s", spec).isFalse();
        assertThat(spec.get("maxSize").asText()).as("the real field keeps its value").isEqualTo(pool.at("/spec/maxSize").asText());
        assertThatThrownBy(() -> dryRunCreate(pool)).hasMessageContaining("unknown field \"spec.maxsize\"");
    }

    @Test
    void fullReportStatusIsStoredAsWritten() throws IOException {
        JsonNode fixture = GeneratedCrd.YAML.readTree(TestResources.read("full-node-pool-report.yaml"));
        NodePoolReport report = SERIALIZATION.unmarshal(fixture.toString(), NodePoolReport.class);
        String name = "server-validation-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        report.getMetadata().setName(name);
        NodePoolReport created = client.resource(report).create();
        try {
            // status is a subresource: a create ignores it, only the status endpoint writes it
            assertThat(created.getStatus().getPools()).isEmpty();
            created.setStatus(report.getStatus());
            NodePoolReport updated = client.resource(created).updateStatus();
            // both through the model, so that a number compares by value (the YAML's int, the model's long)
            NodePoolReport expected = SERIALIZATION.unmarshal(ExamplesTest.REPORTS.withDefaults(fixture).toString(),
                    NodePoolReport.class);
            assertThat(SERIALIZATION.convertValue(updated.getStatus(), JsonNode.class))
                    .isEqualTo(SERIALIZATION.convertValue(expected.getStatus(), JsonNode.class));
        } finally {
            client.resource(created).delete();
        }
    }

    private static GenericKubernetesResource dryRunCreate(JsonNode object) {
        GenericKubernetesResource resource = SERIALIZATION.convertValue(object, GenericKubernetesResource.class);
        return pools().resource(resource).dryRun().fieldValidation(Validation.STRICT).create();
    }

    private static NonNamespaceOperation<GenericKubernetesResource, GenericKubernetesResourceList,
            Resource<GenericKubernetesResource>> pools() {
        return client.genericKubernetesResources(ResourceDefinitionContext.fromResourceType(SharedLibraryPool.class));
    }
}
