package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.kubetest.TestCluster;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The node-report fence on a REAL API server: the chart's RBAC and ValidatingAdmissionPolicy applied,
 * then requests made as the node daemon's service account (impersonated, with the node-name extra a
 * pod-bound token carries). Runs against the tests' API server (TestCluster: the cluster of KUBECONFIG, else
 * the local kube-apiserver built from Go modules); it creates a namespace, cluster roles and the policy, all
 * suffixed and removed afterwards.
 */
class NodeReportPolicyIT {
    private static final ResourceDefinitionContext REPORTS = new ResourceDefinitionContext.Builder()
            .withGroup("libpool.dev").withVersion("v1alpha1").withPlural("nodepoolreports").withKind("NodePoolReport")
            .withNamespaced(false).build();
    private static final String SUFFIX = "-it-" + UUID.randomUUID().toString().substring(0, 6);
    private static final String NAMESPACE = "libpool" + SUFFIX;
    private static final String NODE_A = "libpool" + SUFFIX + "-node-a";
    private static final String NODE_B = "libpool" + SUFFIX + "-node-b";
    private static TestCluster cluster;
    private static KubernetesClient admin;
    private static final List<HasMetadata> created = new ArrayList<>();

    @BeforeAll
    static void applyTheChartsRbacAndPolicy() {
        // The tests' API server (KUBECONFIG's cluster, else the local kube-apiserver), with the libpool CRDs
        // installed; skips every test here, naming the command that builds one, when there is none.
        cluster = TestCluster.get();
        admin = cluster.client();
        admin.resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build()).create();
        Chart.Rendered rendered = Chart.Rendered.parse(Chart.helm().template().withName("libpool").withNamespace(NAMESPACE).call());
        for (String kind : List.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy",
                "ValidatingAdmissionPolicyBinding")) {
            for (JsonNode object : rendered.ofKind(kind)) {
                created.add(admin.resource(suffixed(object)).create());
            }
        }
    }

    /** Cluster-scoped names get the run's suffix, so the test never touches a real install. */
    private static GenericKubernetesResource suffixed(JsonNode object) {
        ObjectNode copy = object.deepCopy();
        String kind = copy.path("kind").asText();
        if (kind.startsWith("Cluster") || kind.startsWith("ValidatingAdmissionPolicy")) {
            copy.with("metadata").put("name", copy.at("/metadata/name").asText() + SUFFIX);
        }
        if (kind.equals("ClusterRoleBinding")) {
            copy.with("roleRef").put("name", copy.at("/roleRef/name").asText() + SUFFIX);
        }
        if (kind.equals("ValidatingAdmissionPolicyBinding")) {
            copy.with("spec").put("policyName", copy.at("/spec/policyName").asText() + SUFFIX);
        }
        return Serialization.unmarshal(copy.toString(), GenericKubernetesResource.class);
    }

    @AfterAll
    static void removeEverything() {
        if (admin == null) {
            return;
        }
        for (String name : List.of(NODE_A, NODE_B)) {
            admin.genericKubernetesResources(REPORTS).withName(name).delete();
        }
        for (int i = created.size() - 1; i >= 0; i--) {
            admin.resource(created.get(i)).delete();
        }
        admin.namespaces().withName(NAMESPACE).delete();
    }

    private static KubernetesClient asNodeDaemonOn(String node) {
        return cluster.asServiceAccount(NAMESPACE, "libpool-node-daemon", node);
    }

    private static GenericKubernetesResource report(String name) {
        GenericKubernetesResource report = new GenericKubernetesResource();
        report.setApiVersion("libpool.dev/v1alpha1");
        report.setKind("NodePoolReport");
        report.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
        return report;
    }

    @Test
    void nodeDaemonWritesItsOwnReportAndIsDeniedAnotherNodes() {
        try (KubernetesClient daemonOnA = asNodeDaemonOn(NODE_A)) {
            // A new policy takes a moment to reach the admission plugin: probe with dry runs until it denies.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThatThrownBy(() -> daemonOnA.genericKubernetesResources(REPORTS).resource(report(NODE_B)).dryRun().create())
                            .isInstanceOf(KubernetesClientException.class)
                            .hasMessageContaining("may write only the NodePoolReport " + NODE_A + ", not " + NODE_B));
            GenericKubernetesResource own = daemonOnA.genericKubernetesResources(REPORTS).resource(report(NODE_A)).create();
            assertThat(own.getMetadata().getName()).isEqualTo(NODE_A);
            own.setAdditionalProperty("status", Map.of("pools", List.of()));
            daemonOnA.genericKubernetesResources(REPORTS).resource(own).updateStatus();
        }
        admin.genericKubernetesResources(REPORTS).resource(report(NODE_B)).create();
        try (KubernetesClient daemonOnA = asNodeDaemonOn(NODE_A)) {
            GenericKubernetesResource other = daemonOnA.genericKubernetesResources(REPORTS).withName(NODE_B).get();
            other.setAdditionalProperty("status", Map.of("pools", List.of()));
            assertThatThrownBy(() -> daemonOnA.genericKubernetesResources(REPORTS).resource(other).updateStatus())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isIn(403, 422))
                    .hasMessageContaining("not " + NODE_B);
        }
    }

    @Test
    void rbacGivesTheNodeDaemonNoSecretsAndNoDeletion() {
        try (KubernetesClient daemon = asNodeDaemonOn(NODE_A)) {
            assertThatThrownBy(() -> daemon.secrets().inNamespace(NAMESPACE).list())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
            assertThatThrownBy(() -> daemon.genericKubernetesResources(REPORTS).withName(NODE_A).delete())
                    .isInstanceOf(KubernetesClientException.class)
                    .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(403));
            assertThat(daemon.nodes().list().getItems()).isNotNull(); // allowed: nodes get/list/watch
        }
    }

    @Test
    void aTokenWithoutNodeClaimIsDenied() {
        Config config = new io.fabric8.kubernetes.client.ConfigBuilder(cluster.config())
                .withImpersonateUsername("system:serviceaccount:" + NAMESPACE + ":libpool-node-daemon")
                .withImpersonateGroups("system:serviceaccounts", "system:authenticated").build();
        try (KubernetesClient noClaim = new KubernetesClientBuilder().withConfig(config).build()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                    assertThatThrownBy(() -> noClaim.genericKubernetesResources(REPORTS).resource(report(NODE_A.toLowerCase(Locale.ROOT) + "-x"))
                            .dryRun().create())
                            .isInstanceOf(KubernetesClientException.class).hasMessageContaining("names no node"));
        }
    }

}
