package dev.libpool.helm;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The operator pod meets the Pod Security Standard "restricted" and can be probed and bounded. */
class OperatorPodSecurityTest {
    private final Chart.Rendered rendered = Chart.render(Map.of());
    private final JsonNode pod = rendered.get("Deployment", "libpool-operator").at("/spec/template/spec");
    private final JsonNode container = ChartRenderingTest.operatorContainer(rendered);

    @Test
    void podAndContainerAreRestricted() {
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
        assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").isBoolean()).isTrue();
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean()).isFalse();
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(container.at("/securityContext/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
        assertThat(container.at("/securityContext/capabilities/add").isMissingNode()).isTrue();
        assertThat(container.at("/securityContext/privileged").asBoolean(false)).isFalse();
        assertThat(pod.path("hostNetwork").asBoolean(false)).isFalse();
        assertThat(pod.path("hostPID").asBoolean(false)).isFalse();
        assertThat(pod.path("volumes")).allSatisfy(v -> assertThat(v.has("hostPath")).as("volume %s", v).isFalse());
    }

    @Test
    void probesResourcesAndTheOnlyWritablePath() {
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/q/health/started");
        assertThat(container.at("/resources/requests/memory").asText()).isEqualTo("192Mi");
        assertThat(container.at("/resources/limits/memory").asText()).isEqualTo("512Mi");
        assertThat(container.path("volumeMounts")).hasSize(1);
        assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/tmp");
        assertThat(pod.at("/volumes/0/emptyDir/sizeLimit").asText()).isEqualTo("64Mi");
    }

    @Test
    void leaderElectionIsOnAndTheLeaseNamespaceComesFromThePod() {
        assertThat(ChartRenderingTest.env(container, "LIBPOOL_LEADER_ELECTION")).isEqualTo("true");
        JsonNode namespaceEnv = null;
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals("LIBPOOL_NAMESPACE")) {
                namespaceEnv = e;
            }
        }
        assertThat(namespaceEnv).isNotNull();
        assertThat(namespaceEnv.at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.namespace");
    }
}
