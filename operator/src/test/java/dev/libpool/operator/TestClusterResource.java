package dev.libpool.operator;

import dev.libpool.kubetest.TestCluster;
import io.fabric8.kubernetes.client.Config;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Points the operator's Kubernetes client at the {@link TestCluster} and gives the operator a namespace of its
 * own (unique per run: the cluster may be a shared, real one).
 *
 * <p>The connection goes through Fabric8's system properties, not {@code quarkus.kubernetes-client.*}: Quarkus
 * fixes those at build time, before a test resource starts, so values returned here would be ignored (Quarkus
 * warns "build time fixed to 'null'") and the client would fall back to the in-cluster address. Fabric8 reads
 * its system properties when the client is created at run time, after KUBECONFIG, which they override; for the
 * cluster of KUBECONFIG nothing is set.
 */
public class TestClusterResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        TestCluster cluster = TestCluster.get();
        System.out.println("operator tests: " + cluster.description());
        if (cluster.isLocal()) {
            Config config = cluster.config();
            System.setProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, config.getMasterUrl());
            setFileOrData(Config.KUBERNETES_CA_CERTIFICATE_FILE_SYSTEM_PROPERTY, config.getCaCertFile(),
                    Config.KUBERNETES_CA_CERTIFICATE_DATA_SYSTEM_PROPERTY, config.getCaCertData());
            setFileOrData(Config.KUBERNETES_CLIENT_CERTIFICATE_FILE_SYSTEM_PROPERTY, config.getClientCertFile(),
                    Config.KUBERNETES_CLIENT_CERTIFICATE_DATA_SYSTEM_PROPERTY, config.getClientCertData());
            setFileOrData(Config.KUBERNETES_CLIENT_KEY_FILE_SYSTEM_PROPERTY, config.getClientKeyFile(),
                    Config.KUBERNETES_CLIENT_KEY_DATA_SYSTEM_PROPERTY, config.getClientKeyData());
        }
        // The API server refuses objects in a namespace that does not exist (the DaemonSet goes there).
        return Map.of("libpool.namespace", cluster.createNamespace("libpool-system"));
    }

    private static void setFileOrData(String fileKey, String file, String dataKey, String data) {
        if (file != null) {
            System.setProperty(fileKey, file);
        } else if (data != null) {
            System.setProperty(dataKey, data);
        }
    }

    @Override
    public void stop() {
        // the cluster lives as long as the JVM: other test classes may share it; the namespace is left for the
        // same reason (a local server has no controller that would finish deleting it anyway)
    }
}
