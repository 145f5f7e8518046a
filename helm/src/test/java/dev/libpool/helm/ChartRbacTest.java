package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The rendered RBAC, rule by rule: exactly what the operator and the node daemon use, nothing more. */
class ChartRbacTest {
    private final Chart.Rendered rendered = Chart.render(Map.of());

    /** "group resource: verb verb" lines of a role, one per (group, resource), verbs in rule order. */
    private static List<String> rules(JsonNode role) {
        List<String> lines = new ArrayList<>();
        for (JsonNode rule : role.path("rules")) {
            List<String> verbs = new ArrayList<>();
            rule.path("verbs").forEach(v -> verbs.add(v.asText()));
            assertThat(rule.has("resourceNames") || rule.has("nonResourceURLs")).as("unexpected rule shape %s", rule).isFalse();
            for (JsonNode group : rule.path("apiGroups")) {
                for (JsonNode resource : rule.path("resources")) {
                    String g = group.asText().isEmpty() ? "core" : group.asText();
                    lines.add(g + " " + resource.asText() + ": " + String.join(" ", verbs));
                }
            }
        }
        return lines;
    }

    @Test
    void operatorClusterRoleGrantsExactlyTheAgreedVerbs() {
        assertThat(rules(rendered.get("ClusterRole", "libpool-operator"))).containsExactlyInAnyOrder(
                "libpool.dev sharedlibrarypools: get list watch patch update",
                "libpool.dev sharedlibrarypools/status: get patch update",
                "libpool.dev sharedlibrarypools/finalizers: update",
                "libpool.dev nodepoolreports: get list watch",
                "kubevirt.io virtualmachines: get list watch patch",
                "kubevirt.io virtualmachineinstances: get list watch",
                "kubevirt.io kubevirts: get list watch",
                "core namespaces: get list watch",
                "core nodes: get list watch patch",
                "core configmaps: get list watch create patch delete",
                "core events: create patch",
                "events.k8s.io events: create patch");
    }

    @Test
    void operatorNamespacedRoleCoversOnlyItsDaemonSetAndLease() {
        JsonNode role = rendered.get("Role", "libpool-operator");
        assertThat(role.at("/metadata/namespace").asText()).isEqualTo(Chart.NAMESPACE);
        assertThat(rules(role)).containsExactlyInAnyOrder(
                "apps daemonsets: get list watch create patch delete",
                "coordination.k8s.io leases: get create update");
    }

    @Test
    void nodeDaemonReadsPoolsNodesKubeVirtAndWritesReportsOnly() {
        assertThat(rules(rendered.get("ClusterRole", "libpool-node-daemon"))).containsExactlyInAnyOrder(
                "libpool.dev sharedlibrarypools: get list watch",
                "core nodes: get list watch",
                "kubevirt.io kubevirts: list",
                "libpool.dev nodepoolreports: get create update patch",
                "libpool.dev nodepoolreports/status: get create update patch");
    }

    @Test
    void noWildcardNoSecretsNoVmDeletionAnywhere() {
        for (String kind : List.of("ClusterRole", "Role")) {
            for (JsonNode role : rendered.ofKind(kind)) {
                assertThat(role.path("rules").toString()).as("%s %s", kind, role.at("/metadata/name")).doesNotContain("\"*\"");
                assertThat(rules(role)).noneMatch(l -> l.contains("secrets"))
                        .noneMatch(l -> l.startsWith("kubevirt.io virtualmachines:") && (l.contains("delete") || l.contains("update")))
                        .noneMatch(l -> l.contains("escalate") || l.contains("bind") || l.contains("impersonate"));
            }
        }
    }

    @Test
    void eachRoleIsBoundToItsOwnServiceAccountInTheReleaseNamespace() {
        for (String kind : List.of("ClusterRoleBinding", "RoleBinding")) {
            for (JsonNode binding : rendered.ofKind(kind)) {
                String name = binding.at("/metadata/name").asText();
                assertThat(binding.at("/roleRef/name").asText()).isEqualTo(name);
                assertThat(binding.path("subjects")).hasSize(1);
                assertThat(binding.at("/subjects/0/kind").asText()).isEqualTo("ServiceAccount");
                assertThat(binding.at("/subjects/0/name").asText()).isEqualTo(name);
                assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Chart.NAMESPACE);
            }
        }
        assertThat(rendered.get("Deployment", "libpool-operator").at("/spec/template/spec/serviceAccountName").asText())
                .isEqualTo("libpool-operator");
    }
}
