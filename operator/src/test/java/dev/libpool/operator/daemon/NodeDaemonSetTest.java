package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.operator.config.ContainerDiskMode;
import dev.libpool.operator.testing.TestConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodeDaemonSetTest {

    @Test
    void affinityIsTheOrOfThePoolsNodeSelectors() {
        DaemonSet ds = imageVolumes(List.of(pool("b", Map.of("zone", "z1", "gpu", "no")), pool("a", Map.of("tier", "vm"))));
        List<NodeSelectorTerm> terms = ds.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        assertThat(terms).hasSize(2);
        assertThat(terms.get(0).getMatchExpressions()).singleElement().satisfies(e -> {
            assertThat(e.getKey()).isEqualTo("tier");
            assertThat(e.getValues()).containsExactly("vm");
        });
        assertThat(terms.get(1).getMatchExpressions()).extracting(e -> e.getKey() + "=" + e.getValues().get(0))
                .containsExactly("gpu=no", "zone=z1");

        DaemonSet everywhere = imageVolumes(List.of(pool("a", Map.of("tier", "vm")), pool("c", Map.of())));
        List<NodeSelectorTerm> all = everywhere.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
                .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
        assertThat(all).as("an empty selector is a term that every Linux node matches").hasSize(2);
        assertThat(all.get(1).getMatchExpressions().get(0).getKey()).isEqualTo("kubernetes.io/os");
    }

    @Test
    void theDaemonRunsPrivilegedOnlyForBidirectionalPropagationWithTheHostAccessItNeeds() {
        DaemonSet ds = imageVolumes(List.of(pool("a", Map.of())));
        assertThat(ds.getMetadata().getName()).isEqualTo("libpool-node-daemon");
        assertThat(ds.getMetadata().getNamespace()).isEqualTo("libpool-system");
        var pod = ds.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo("libpool-node-daemon");
        assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(pod.getTolerations()).singleElement().satisfies(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
        Container c = pod.getContainers().get(0);
        assertThat(c.getArgs()).containsExactly("run", "--state-dir", "/var/lib/libpool", "--host-root", "/host",
                "--mount-context", dev.libpool.api.v1alpha1.VmContract.POOL_MOUNT_SELINUX_CONTEXT);
        assertThat(c.getEnv()).singleElement().satisfies(e -> {
            assertThat(e.getName()).isEqualTo("NODE_NAME");
            assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
        });
        assertThat(c.getSecurityContext().getPrivileged()).isTrue();
        assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("512Mi")).doesNotContainKey("cpu");
        Map<String, VolumeMount> mounts = c.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));
        assertThat(mounts).containsOnlyKeys("/host", "/host/var/lib/libpool", "/host/sys/kernel/mm/ksm");
        assertThat(mounts.get("/host").getReadOnly()).isTrue();
        assertThat(mounts.get("/host/var/lib/libpool").getMountPropagation()).isEqualTo("Bidirectional");
        assertThat(mounts.values().stream().filter(m -> "Bidirectional".equals(m.getMountPropagation()))).hasSize(1);
    }

    @Test
    void aContainerDiskPoolAddsItsImageVolumeMountedReadOnlyAndNoHostAccess() {
        SharedLibraryPool disk = pool("disk", Map.of());
        disk.getSpec().setSource(new PoolSource());
        disk.getSpec().getSource().setContainerDisk(new ContainerDiskSource("quay.io/containerdisks/debian:12"));
        SharedLibraryPool host = pool("host", Map.of());
        host.getSpec().setSource(new PoolSource());
        host.getSpec().getSource().setHostPath(new HostPathSource("/srv/guest-root"));

        var pod = imageVolumes(List.of(host, disk)).getSpec().getTemplate().getSpec();

        assertThat(pod.getVolumes()).extracting(v -> v.getName()).containsExactly("state", "host-root", "ksm", "cdisk-disk");
        Volume image = pod.getVolumes().get(3);
        assertThat(image.getImage().getReference()).isEqualTo("quay.io/containerdisks/debian:12");
        assertThat(image.getImage().getPullPolicy()).isEqualTo("IfNotPresent");
        assertThat(image.getHostPath()).isNull();
        VolumeMount mount = pod.getContainers().get(0).getVolumeMounts().stream()
                .filter(m -> m.getName().equals("cdisk-disk")).findFirst().orElseThrow();
        assertThat(mount.getMountPath()).isEqualTo(ContainerDiskSource.mountDir("disk"))
                .isEqualTo("/var/run/libpool/container-disks/disk");
        assertThat(mount.getReadOnly()).isTrue();
        assertThat(mount.getMountPropagation()).isNull();

        DaemonSet withoutIt = imageVolumes(List.of(host));
        assertThat(withoutIt.getSpec().getTemplate().getSpec().getVolumes()).extracting(v -> v.getName())
                .containsExactly("state", "host-root", "ksm");
        assertThat(NodeDaemonSets.digest(withoutIt)).as("adding a containerDisk pool rolls the DaemonSet")
                .isNotEqualTo(NodeDaemonSets.digest(imageVolumes(List.of(host, disk))));
    }

    @Test
    void tolerationsComeFromTheConfigAndBadOnesNameTheFix() {
        var tolerations = NodeDaemonSet.tolerations(List.of("dedicated=vms:NoSchedule", "gpu:*"));
        assertThat(tolerations.get(0).getKey()).isEqualTo("dedicated");
        assertThat(tolerations.get(0).getValue()).isEqualTo("vms");
        assertThat(tolerations.get(0).getEffect()).isEqualTo("NoSchedule");
        assertThat(tolerations.get(1).getOperator()).isEqualTo("Exists");
        assertThat(tolerations.get(1).getEffect()).isNull();
        assertThatThrownBy(() -> NodeDaemonSet.tolerations(List.of("nocolon")))
                .hasMessageContaining("libpool.daemon.tolerations").hasMessageContaining("key[=value]:effect");
    }

    @Test
    void theDigestChangesWithTheSpecOnly() {
        String one = NodeDaemonSets.digest(imageVolumes(List.of(pool("a", Map.of("x", "1")))));
        assertThat(NodeDaemonSets.digest(imageVolumes(List.of(pool("a", Map.of("x", "1")))))).isEqualTo(one);
        assertThat(NodeDaemonSets.digest(imageVolumes(List.of(pool("a", Map.of("x", "2")))))).isNotEqualTo(one);
    }

    private static DaemonSet imageVolumes(List<SharedLibraryPool> pools) {
        return NodeDaemonSet.desired(pools, TestConfig.defaults(), ContainerDiskMode.ImageVolume);
    }

    static SharedLibraryPool pool(String name, Map<String, String> nodeSelector) {
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
        pool.getSpec().setMaxSize(new Quantity("256Mi"));
        pool.getSpec().setNamespaceSelector(new LabelSelectorBuilder().build());
        pool.getSpec().setNodeSelector(nodeSelector);
        return pool;
    }
}
