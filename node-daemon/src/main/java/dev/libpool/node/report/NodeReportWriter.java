package dev.libpool.node.report;

import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Creates and updates this node's NodePoolReport, named after the node. This daemon is the object's only
 * writer (NFD's NodeFeature pattern), so a status update (PUT .../status, optimistic on resourceVersion,
 * retried on conflict) replaces the whole status; no server-side apply, which the mock server lacks too.
 */
public final class NodeReportWriter {

    public static final String NODE_LABEL = "libpool.dev/node";
    private static final int ATTEMPTS = 3;

    private final KubernetesClient client;
    private final String nodeName;
    private final Clock clock;

    public NodeReportWriter(KubernetesClient client, String nodeName, Clock clock) {
        this.client = client;
        this.nodeName = nodeName;
        this.clock = clock;
    }

    public NodePoolReport write(NodePoolReportStatus status) {
        status.setNodeName(nodeName);
        status.setUpdateTime(Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        KubernetesClientException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            NodePoolReport report = client.resources(NodePoolReport.class).withName(nodeName).get();
            if (report == null) {
                report = create();
            }
            report.setStatus(status);
            try {
                return client.resources(NodePoolReport.class).resource(report).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                last = e; // someone touched metadata meanwhile: read again and retry
            }
        }
        throw last;
    }

    private NodePoolReport create() {
        NodePoolReport report = new NodePoolReport();
        report.setMetadata(new ObjectMetaBuilder().withName(nodeName).withLabels(Map.of(NODE_LABEL, nodeName)).build());
        try {
            return client.resources(NodePoolReport.class).resource(report).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            return client.resources(NodePoolReport.class).withName(nodeName).get(); // created meanwhile (restart race)
        }
    }
}
