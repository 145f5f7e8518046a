package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.kubetest.RequiresTestCluster;
import dev.libpool.kubetest.TestCluster;
import dev.libpool.operator.config.ContainerDiskMode;
import dev.libpool.operator.testing.TestConfig;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The node daemon DaemonSet as the API server of the tests stores it (the mock stored anything it was sent). */
@RequiresTestCluster
class NodeDaemonSetIT {

    @Test
    void theServerKeepsAContainerDiskPoolsImageVolumeAndItsReadOnlyMount() {
        TestCluster cluster = TestCluster.get();
        KubernetesClient client = cluster.client();
        String namespace = cluster.createNamespace("libpool-system");
        try {
            SharedLibraryPool disk = NodeDaemonSetTest.pool("disk", Map.of());
            disk.getSpec().setSource(new PoolSource());
            disk.getSpec().getSource().setContainerDisk(new ContainerDiskSource("quay.io/containerdisks/debian:12"));
            SharedLibraryPool host = NodeDaemonSetTest.pool("host", Map.of());
            host.getSpec().setSource(new PoolSource());
            host.getSpec().getSource().setHostPath(new HostPathSource("/srv/guest-root"));
            DaemonSet want = NodeDaemonSet.desired(List.of(disk, host),
                    new TestConfig(namespace, List.of("*")), ContainerDiskMode.ImageVolume);

            DaemonSet stored = client.apps().daemonSets().inNamespace(namespace).resource(want).create();

            var pod = stored.getSpec().getTemplate().getSpec();
            var kept = pod.getVolumes().stream().filter(v -> v.getName().equals("cdisk-disk")).findFirst();
            // A server without the ImageVolume feature gate (off by default before Kubernetes 1.35) drops the
            // volume and its mount without an error; the local server of the tests has the gate on.
            assumeTrue(kept.isPresent() || cluster.isLocal(), "the API server of KUBECONFIG dropped the image volume: "
                    + "enable its ImageVolume feature gate (Kubernetes 1.33/1.34) for containerDisk pools");
            Volume image = kept.orElseThrow(() -> new AssertionError("the server dropped the image volume"));
            assertThat(image.getImage().getReference()).isEqualTo("quay.io/containerdisks/debian:12");
            assertThat(pod.getContainers().get(0).getVolumeMounts()).filteredOn(m -> m.getName().equals("cdisk-disk"))
                    .singleElement().satisfies(m -> {
                        assertThat(m.getReadOnly()).isTrue();
                        assertThat(m.getMountPath()).isEqualTo(ContainerDiskSource.mountDir("disk"));
                    });
        } finally {
            client.apps().daemonSets().inNamespace(namespace).withName(NodeDaemonSet.NAME).delete();
            client.namespaces().withName(namespace).delete();
        }
    }

    @Test
    void theServerAcceptsTheHelperContainerPodAsRenderedAndAutoFollowsItsVersion() {
        TestCluster cluster = TestCluster.get();
        KubernetesClient client = cluster.client();
        String namespace = cluster.createNamespace("libpool-system");
        try {
            SharedLibraryPool disk = ContainerDiskHelpersTest.disk("disk", "quay.io/containerdisks/debian:12");
            TestConfig config = new TestConfig(namespace, List.of("*"), ContainerDiskMode.HelperContainer);
            DaemonSet want = NodeDaemonSet.desired(List.of(disk), config, ContainerDiskMode.HelperContainer);

            DaemonSet stored = client.apps().daemonSets().inNamespace(namespace).resource(want).create();

            var pod = stored.getSpec().getTemplate().getSpec();
            assertThat(pod.getShareProcessNamespace()).isTrue();
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            assertThat(pod.getInitContainers()).extracting(c -> c.getName()).containsExactly("cdisk-helper-install");
            assertThat(pod.getContainers()).filteredOn(c -> c.getName().equals("cdisk-disk")).singleElement()
                    .satisfies(c -> {
                        assertThat(c.getCommand()).endsWith(ContainerDiskSource.helperMarker("disk"));
                        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
                        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
                    });
            assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals("kube-api-access")).singleElement()
                    .satisfies(v -> assertThat(v.getProjected().getSources()).hasSize(3));

            // Auto: the operator's DaemonSet for this server's version (1.34 locally: HelperContainer)
            client.apps().daemonSets().inNamespace(namespace).withName(NodeDaemonSet.NAME).delete();
            client.apps().daemonSets().inNamespace(namespace).withName(NodeDaemonSet.NAME)
                    .waitUntilCondition(java.util.Objects::isNull, 30, java.util.concurrent.TimeUnit.SECONDS);
            var version = client.getKubernetesVersion();
            ContainerDiskMode expected = ContainerDiskMode.Auto.forServer(version.getMajor(), version.getMinor());
            assertThat(new NodeDaemonSets(client, new TestConfig(namespace, List.of("*"))).sync(List.of(disk))).isTrue();
            var synced = client.apps().daemonSets().inNamespace(namespace).withName(NodeDaemonSet.NAME).get()
                    .getSpec().getTemplate().getSpec();
            assertThat(synced.getInitContainers().isEmpty()).as("Kubernetes " + version.getMajor() + "."
                    + version.getMinor() + " gives " + expected).isEqualTo(expected == ContainerDiskMode.ImageVolume);
        } finally {
            client.apps().daemonSets().inNamespace(namespace).withName(NodeDaemonSet.NAME).delete();
            client.namespaces().withName(namespace).delete();
        }
    }
}
