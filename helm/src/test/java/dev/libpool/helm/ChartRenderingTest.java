package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ChartRenderingTest {

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = Chart.helm().lint().strict().call();
        assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void defaultsRenderTheOperatorItsAccountsRbacAndPolicyButNoMonitoring() {
        Chart.Rendered r = Chart.render(Map.of());
        assertThat(r.objects()).extracting(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder(
                        "ServiceAccount/libpool-operator", "ServiceAccount/libpool-node-daemon",
                        "ClusterRole/libpool-operator", "ClusterRoleBinding/libpool-operator",
                        "Role/libpool-operator", "RoleBinding/libpool-operator",
                        "ClusterRole/libpool-node-daemon", "ClusterRoleBinding/libpool-node-daemon",
                        "ValidatingAdmissionPolicy/libpool-node-report-fence",
                        "ValidatingAdmissionPolicyBinding/libpool-node-report-fence",
                        "Deployment/libpool-operator", "Service/libpool-operator");
        JsonNode container = operatorContainer(r);
        assertThat(container.path("image").asText()).isEqualTo("libpool/operator:0.1.0");
        assertEnv(container,
                "LIBPOOL_DAEMON_IMAGE", "libpool/node-daemon:0.1.0",
                "LIBPOOL_LEADER_ELECTION", "true",
                "LIBPOOL_RESYNC_PERIOD", "10m",
                "LIBPOOL_STATE_DIR", "/var/lib/libpool",
                "LIBPOOL_DAEMON_SERVICE_ACCOUNT", "libpool-node-daemon",
                "LIBPOOL_DAEMON_PRIORITY_CLASS_NAME", "system-node-critical",
                "LIBPOOL_DAEMON_MEMORY_LIMIT", "1Gi",
                "LIBPOOL_DAEMON_TOLERATIONS", "*",
                "LIBPOOL_CONTAINER_DISK_MODE", "Auto",
                "LIBPOOL_DAEMON_SELINUX_MOUNT_CONTEXT", dev.libpool.api.v1alpha1.VmContract.POOL_MOUNT_SELINUX_CONTEXT);
        assertThat(container.path("env").toString()).doesNotContain("LIBPOOL_SIDECAR_SHIM_IMAGE");
        assertThat(r.objects()).allSatisfy(o -> {
            if (!o.path("kind").asText().startsWith("Cluster") && !o.path("kind").asText().startsWith("ValidatingAdmission")) {
                assertThat(o.path("metadata").path("namespace").asText()).as("namespace of %s", o).isEqualTo(Chart.NAMESPACE);
            }
        });
    }

    @Test
    void nonDefaultValuesReachTheOperatorAndTheNodeDaemonSettings() {
        Chart.Rendered r = Chart.Rendered.parse(Chart.template(Path.of("src/test/resources/custom-values.yaml")));
        JsonNode deployment = r.get("Deployment", "libpool-operator");
        JsonNode container = operatorContainer(r);
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(deployment.at("/spec/template/spec/imagePullSecrets/0/name").asText()).isEqualTo("regcred");
        assertThat(container.path("image").asText()).isEqualTo("registry.example.com/virt/libpool/operator:1.2.3");
        assertEnv(container,
                "LIBPOOL_DAEMON_IMAGE", "registry.example.com/virt/libpool/node-daemon:1.2.3",
                "LIBPOOL_DAEMON_IMAGE_PULL_POLICY", "Always",
                "LIBPOOL_RESYNC_PERIOD", "5m",
                "LIBPOOL_SIDECAR_SHIM_IMAGE", "registry.example.com/kubevirt/sidecar-shim:v1.9.0",
                "LIBPOOL_STATE_DIR", "/srv/libpool",
                "LIBPOOL_DAEMON_CPU_REQUEST", "20m",
                "LIBPOOL_DAEMON_MEMORY_REQUEST", "128Mi",
                "LIBPOOL_DAEMON_MEMORY_LIMIT", "2Gi",
                "LIBPOOL_DAEMON_TOLERATIONS", "kubevirt.io/dedicated=vms:NoSchedule,maintenance:*",
                "LIBPOOL_CONTAINER_DISK_MODE", "HelperContainer",
                "LIBPOOL_DAEMON_SELINUX_MOUNT_CONTEXT", "none"); // "" in the values: no context
        assertThat(container.path("imagePullPolicy").asText()).isEqualTo("Always");
        assertThat(deployment.at("/spec/template/spec/priorityClassName").asText()).isEqualTo("cluster-critical-ops");
        assertEnv(container,
                "QUARKUS_LOG_LEVEL", "DEBUG",
                "LIBPOOL_EXTRA", "x");
        assertThat(r.ofKind("ValidatingAdmissionPolicy")).isEmpty();
        assertThat(r.ofKind("ValidatingAdmissionPolicyBinding")).isEmpty();
    }

    @Test
    void monitoringRendersServiceMonitorPodMonitorAndTheThreeAlertsWhenEnabled() {
        Chart.Rendered r = Chart.render(Map.of("metrics.serviceMonitor.enabled", "true",
                "metrics.serviceMonitor.labels.release", "prometheus", "metrics.prometheusRule.enabled", "true",
                "metrics.prometheusRule.for", "5m"));
        JsonNode sm = r.get("ServiceMonitor", "libpool-operator");
        assertThat(sm.at("/metadata/labels/release").asText()).isEqualTo("prometheus");
        assertThat(sm.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
        JsonNode pm = r.get("PodMonitor", "libpool-node-daemon");
        assertThat(pm.at("/spec/selector/matchLabels/app.kubernetes.io~1name").asText()).isEqualTo("libpool-node-daemon");
        // Only the label the operator puts on the node daemon pods (NodeDaemonSet.labels()).
        assertThat(pm.at("/spec/selector/matchLabels")).hasSize(1);
        JsonNode rules = r.get("PrometheusRule", "libpool").at("/spec/groups/0/rules");
        assertThat(rules).extracting(n -> n.path("alert").asText())
                .containsExactly("LibpoolPoolDegraded", "LibpoolNodeDaemonDown", "LibpoolKsmConflict");
        assertThat(rules).allSatisfy(rule -> assertThat(rule.path("for").asText()).isEqualTo("5m"));
        // The metric names the node daemon exports (PrometheusExporter) and the label values it uses.
        assertThat(rules.get(0).path("expr").asText()).contains("libpool_pool_state{", "state=\"Failed\"");
        assertThat(rules.get(2).path("expr").asText()).contains("libpool_ksm_state{", "state=\"Conflict\"");
        // Prometheus templates reach the rule unexpanded by Helm.
        assertThat(rules.get(0).at("/annotations/summary").asText()).contains("{{ $labels.pool }}");
    }

    @Test
    void sameValuesGiveTheSameBytesAndNoHooksOrTimeValues() {
        Map<String, Object> values = Map.of("metrics.serviceMonitor.enabled", "true", "metrics.prometheusRule.enabled", "true");
        String first = Chart.template(values);
        String second = Chart.template(values);
        assertThat(second).isEqualTo(first);
        assertThat(first).doesNotContain("helm.sh/hook").doesNotContain("checksum/").doesNotContain("creationTimestamp");
        assertThat(Chart.Rendered.parse(first).objects()).allSatisfy(o ->
                assertThat(o.path("metadata").path("annotations").toString()).doesNotContain("helm.sh/hook"));
    }

    static JsonNode operatorContainer(Chart.Rendered r) {
        JsonNode containers = r.get("Deployment", "libpool-operator").at("/spec/template/spec/containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    /** name, value, name, value, ...: each env var is set exactly once, to that value. */
    static void assertEnv(JsonNode container, String... nameValue) {
        for (int i = 0; i < nameValue.length; i += 2) {
            assertThat(env(container, nameValue[i])).as("env %s", nameValue[i]).isEqualTo(nameValue[i + 1]);
        }
    }

    static String env(JsonNode container, String name) {
        List<JsonNode> matches = new java.util.ArrayList<>();
        container.path("env").forEach(e -> {
            if (name.equals(e.path("name").asText())) {
                matches.add(e);
            }
        });
        assertThat(matches).as("env %s", name).hasSize(1);
        return matches.get(0).path("value").asText();
    }
}
