package dev.libpool.operator;

import dev.libpool.kubetest.TestCluster;
import io.fabric8.kubernetes.client.Config;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Points the operator's Kubernetes client at the {@link TestCluster}: for the local API server, its URL and
 * the admin's client certificate; for the cluster of KUBECONFIG nothing, since the client reads KUBECONFIG.
 */
public class TestClusterResource implements QuarkusTestResourceLifecycleManager {
    private static final String PREFIX = "quarkus.kubernetes-client.";

    @Override
    public Map<String, String> start() {
        TestCluster cluster = TestCluster.get();
        System.out.println("operator tests: " + cluster.description());
        if (!cluster.isLocal()) {
            return Map.of();
        }
        Config config = cluster.config();
        Map<String, String> properties = new HashMap<>();
        properties.put(PREFIX + "api-server-url", config.getMasterUrl());
        putFileOrData(properties, "ca-cert", config.getCaCertFile(), config.getCaCertData());
        putFileOrData(properties, "client-cert", config.getClientCertFile(), config.getClientCertData());
        putFileOrData(properties, "client-key", config.getClientKeyFile(), config.getClientKeyData());
        return properties;
    }

    private static void putFileOrData(Map<String, String> properties, String key, String file, String data) {
        if (file != null) {
            properties.put(PREFIX + key + "-file", file);
        } else if (data != null) {
            properties.put(PREFIX + key + "-data", data);
        }
    }

    @Override
    public void stop() {
        // the cluster lives as long as the JVM: other test classes may share it
    }
}
