package dev.libpool.helm;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The node-report fence's CEL, as rendered by the chart, evaluated with cel-java. */
class NodeReportPolicyTest {
    private static final String DAEMON = "system:serviceaccount:libpool-system:libpool-node-daemon";
    private static final String NODE_CLAIM = "authentication.kubernetes.io/node-name";
    private final Chart.Rendered rendered = Chart.render(Map.of());
    private final NodeReportPolicy policy = new NodeReportPolicy(rendered.get("ValidatingAdmissionPolicy", "libpool-node-report-fence"));

    private static Map<String, Object> daemonOn(String operation, String node) {
        return NodeReportPolicy.request(operation, DAEMON, Map.of(NODE_CLAIM, List.of(node),
                "authentication.kubernetes.io/pod-name", List.of("libpool-node-daemon-x7k2p")));
    }

    @Test
    void nodeDaemonMayCreateAndUpdateItsOwnNodesReport() {
        assertThat(policy.admit(daemonOn("CREATE", "node-a"), NodePoolReport("node-a"), null)).isEmpty();
        assertThat(policy.admit(daemonOn("UPDATE", "node-a"), NodePoolReport("node-a"), NodePoolReport("node-a"))).isEmpty();
    }

    @Test
    void nodeDaemonIsDeniedAnotherNodesReportWithAMessageNamingBoth() {
        assertThat(policy.admit(daemonOn("CREATE", "node-a"), NodePoolReport("node-b"), null))
                .contains("the libpool node daemon on node node-a may write only the NodePoolReport node-a, not node-b");
        assertThat(policy.admit(daemonOn("UPDATE", "node-a"), NodePoolReport("node-b"), NodePoolReport("node-b"))).isPresent();
        assertThat(policy.admit(daemonOn("DELETE", "node-a"), null, NodePoolReport("node-b"))).isPresent();
    }

    @Test
    void aTokenWithoutNodeClaimIsDeniedEvenForAReportThatLooksRight() {
        assertThat(policy.admit(NodeReportPolicy.request("CREATE", DAEMON, Map.of()), NodePoolReport(""), null))
                .hasValueSatisfying(m -> assertThat(m).contains("names no node", NODE_CLAIM));
        assertThat(policy.admit(NodeReportPolicy.request("UPDATE", DAEMON, Map.of(NODE_CLAIM, List.of())),
                NodePoolReport("node-a"), NodePoolReport("node-a"))).hasValueSatisfying(m -> assertThat(m).contains("names no node"));
    }

    @Test
    void otherUsersAreNotFencedByThisPolicy() {
        // The operator and admins are governed by RBAC alone (the operator only reads reports).
        assertThat(policy.admit(NodeReportPolicy.request("UPDATE", "system:serviceaccount:libpool-system:libpool-operator",
                Map.of(NODE_CLAIM, List.of("node-a"))), NodePoolReport("node-b"), NodePoolReport("node-b"))).isEmpty();
        assertThat(policy.admit(NodeReportPolicy.request("DELETE", "kubernetes-admin", Map.of()), null, NodePoolReport("node-b")))
                .isEmpty();
        // A node daemon account of another namespace is not this install's daemon.
        assertThat(policy.admit(NodeReportPolicy.request("CREATE", "system:serviceaccount:other:libpool-node-daemon",
                Map.of(NODE_CLAIM, List.of("node-a"))), NodePoolReport("node-b"), null)).isEmpty();
    }

    @Test
    void interceptsEveryWriteToReportsAndTheirStatusAndIsBoundToDeny() {
        assertThat(policy.intercepted()).containsExactlyInAnyOrder(
                "CREATE nodepoolreports", "CREATE nodepoolreports/status", "UPDATE nodepoolreports",
                "UPDATE nodepoolreports/status", "DELETE nodepoolreports", "DELETE nodepoolreports/status");
        var vap = rendered.get("ValidatingAdmissionPolicy", "libpool-node-report-fence");
        assertThat(vap.at("/spec/failurePolicy").asText()).isEqualTo("Fail");
        var binding = rendered.get("ValidatingAdmissionPolicyBinding", "libpool-node-report-fence");
        assertThat(binding.at("/spec/policyName").asText()).isEqualTo("libpool-node-report-fence");
        assertThat(binding.at("/spec/validationActions").toString()).isEqualTo("[\"Deny\"]");
    }

    @Test
    void theFencedAccountFollowsTheReleaseNamespace() {
        String other = Chart.helm().template().withName("lp").withNamespace("virt-addons").call();
        NodeReportPolicy moved = new NodeReportPolicy(Chart.Rendered.parse(other).get("ValidatingAdmissionPolicy", "libpool-node-report-fence"));
        assertThat(moved.admit(NodeReportPolicy.request("CREATE", "system:serviceaccount:virt-addons:libpool-node-daemon",
                Map.of(NODE_CLAIM, List.of("node-a"))), NodePoolReport("node-b"), null)).isPresent();
        assertThat(moved.admit(daemonOn("CREATE", "node-a"), NodePoolReport("node-b"), null)).isEmpty();
    }

    @Test
    void aBrokenExpressionFailsLoudly() {
        var broken = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        broken.putObject("spec").putArray("validations").addObject().put("expression", "variables.nodeName ==");
        assertThatThrownBy(() -> new NodeReportPolicy(broken).admit(daemonOn("CREATE", "a"), NodePoolReport("a"), null))
                .hasMessageContaining("does not compile");
    }

    @SuppressWarnings("checkstyle:MethodName")
    private static Map<String, Object> NodePoolReport(String name) {
        return NodeReportPolicy.report(name);
    }
}
