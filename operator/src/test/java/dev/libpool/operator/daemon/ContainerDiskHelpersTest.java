package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.operator.config.ContainerDiskMode;
import dev.libpool.operator.testing.TestConfig;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The node daemon's pod in HelperContainer mode against ImageVolume mode, as NodeDaemonSet renders it. */
class ContainerDiskHelpersTest {

    @Test
    void eachContainerDiskPoolGetsAnUnprivilegedHelperRunningItsImageWithTheSleeperAndItsMarker() {
        PodSpec pod = helperPod(host("tree"), disk("ubuntu", "quay.io/containerdisks/ubuntu:24.04"),
                disk("debian", "quay.io/containerdisks/debian:12"));

        assertThat(pod.getContainers()).extracting(Container::getName)
                .containsExactly("node-daemon", "cdisk-debian", "cdisk-ubuntu");
        Container debian = pod.getContainers().get(1);
        assertThat(debian.getImage()).isEqualTo("quay.io/containerdisks/debian:12");
        assertThat(debian.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(debian.getCommand()).containsExactly("/var/run/libpool/helper/busybox", "sh", "-c",
                "while /var/run/libpool/helper/busybox sleep 2147483647; do :; done", "libpool.dev/container-disk=debian");
        assertThat(debian.getCommand().get(debian.getCommand().size() - 1))
                .isEqualTo(ContainerDiskSource.helperMarker("debian"));
        assertThat(debian.getArgs()).isEmpty();
        assertThat(debian.getVolumeMounts()).singleElement().satisfies(m -> {
            assertThat(m.getName()).isEqualTo("cdisk-helper-bin");
            assertThat(m.getMountPath()).isEqualTo("/var/run/libpool/helper");
            assertThat(m.getReadOnly()).isTrue();
        });
        var sc = debian.getSecurityContext();
        assertThat(sc.getRunAsUser()).isEqualTo(65534L);
        assertThat(sc.getRunAsNonRoot()).isTrue();
        assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
        assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
        assertThat(sc.getPrivileged()).isNull();
        assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(sc.getCapabilities().getAdd()).isEmpty();
        assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(debian.getResources().getRequests()).containsEntry("cpu", new Quantity("1m"))
                .containsEntry("memory", new Quantity("4Mi"));
        assertThat(debian.getResources().getLimits()).containsEntry("memory", new Quantity("16Mi"));
    }

    @Test
    void theInitContainerCopiesTheDaemonImagesBusyboxAndThePodSharesItsProcessesButNotTheToken() {
        PodSpec pod = helperPod(disk("debian", "quay.io/containerdisks/debian:12"));

        assertThat(pod.getInitContainers()).singleElement().satisfies(init -> {
            assertThat(init.getName()).isEqualTo("cdisk-helper-install");
            assertThat(init.getImage()).isEqualTo("libpool/node-daemon:0.1.0");
            assertThat(init.getCommand()).containsExactly("cp", "/bin/busybox", "/var/run/libpool/helper/busybox");
            assertThat(init.getVolumeMounts()).singleElement().satisfies(m -> assertThat(m.getReadOnly()).isFalse());
            assertThat(init.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(init.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        });
        assertThat(pod.getShareProcessNamespace()).as("the daemon finds the helpers in its own /proc").isTrue();
        assertThat(pod.getAutomountServiceAccountToken()).as("no helper gets the daemon's API token").isFalse();
        Container daemon = pod.getContainers().get(0);
        assertThat(daemon.getVolumeMounts()).filteredOn(m -> m.getName().equals("kube-api-access")).singleElement()
                .satisfies(m -> {
                    assertThat(m.getMountPath()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
                    assertThat(m.getReadOnly()).isTrue();
                });
        Volume token = pod.getVolumes().stream().filter(v -> v.getName().equals("kube-api-access")).findFirst().orElseThrow();
        assertThat(token.getProjected().getSources()).hasSize(3);
        assertThat(token.getProjected().getSources().get(0).getServiceAccountToken().getPath()).isEqualTo("token");
        assertThat(pod.getVolumes()).extracting(Volume::getName)
                .containsExactly("state", "host-root", "ksm", "cdisk-helper-bin", "kube-api-access");
        assertThat(pod.getVolumes().get(3).getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Mi"));
        assertThat(pod.getVolumes()).noneMatch(v -> v.getImage() != null);
        assertThat(daemon.getVolumeMounts()).extracting(VolumeMount::getName).doesNotContain("cdisk-debian");
    }

    @Test
    void withoutContainerDiskPoolsBothModesGiveTheSamePod() {
        List<SharedLibraryPool> pools = List.of(host("tree"));
        var helper = NodeDaemonSet.desired(pools, TestConfig.defaults(), ContainerDiskMode.HelperContainer);
        var volume = NodeDaemonSet.desired(pools, TestConfig.defaults(), ContainerDiskMode.ImageVolume);
        assertThat(helper).isEqualTo(volume);
        PodSpec pod = helper.getSpec().getTemplate().getSpec();
        assertThat(pod.getInitContainers()).isEmpty();
        assertThat(pod.getShareProcessNamespace()).isNull();
        assertThat(pod.getAutomountServiceAccountToken()).isNull();
    }

    @Test
    void addingRemovingOrChangingAPoolsImageRollsTheDaemonSetAndOnlyThatHelperChanges() {
        SharedLibraryPool a = disk("a", "registry.example/a:1");
        SharedLibraryPool b = disk("b", "registry.example/b:1");
        String one = digest(a);
        String two = digest(a, b);
        assertThat(two).as("a pool added").isNotEqualTo(one);
        assertThat(digest(b, a)).as("order does not matter").isEqualTo(two);
        assertThat(digest(a)).as("the pool removed again").isEqualTo(one);

        PodSpec before = helperPod(a, b);
        SharedLibraryPool bNext = disk("b", "registry.example/b:2");
        PodSpec after = helperPod(a, bNext);
        assertThat(digest(a, bNext)).as("an image changed").isNotEqualTo(two);
        assertThat(after.getContainers().get(2).getImage()).isEqualTo("registry.example/b:2");
        assertThat(after.getContainers().get(1)).isEqualTo(before.getContainers().get(1));
        assertThat(after.getInitContainers()).isEqualTo(before.getInitContainers());

        assertThat(helperPod(host("tree")).getContainers()).as("the last containerDisk pool removed").hasSize(1);
    }

    @Test
    void imageVolumeModeKeepsTheImageVolumesAndAddsNoHelper() {
        PodSpec pod = NodeDaemonSet.desired(List.of(disk("debian", "quay.io/containerdisks/debian:12")),
                TestConfig.defaults(), ContainerDiskMode.ImageVolume).getSpec().getTemplate().getSpec();
        assertThat(pod.getContainers()).hasSize(1);
        assertThat(pod.getInitContainers()).isEmpty();
        assertThat(pod.getShareProcessNamespace()).isNull();
        assertThat(pod.getVolumes()).extracting(Volume::getName).contains("cdisk-debian");
        assertThatThrownBy(() -> NodeDaemonSet.desired(List.of(), TestConfig.defaults(), ContainerDiskMode.Auto))
                .hasMessageContaining("resolve containerDiskMode Auto");
    }

    @ParameterizedTest(name = "{0} {1}.{2} -> {3}")
    @CsvSource({
        "Auto, 1, 33, HelperContainer", "Auto, 1, 34, HelperContainer", "Auto, 1, 35, ImageVolume",
        "Auto, 1, 36+, ImageVolume", "Auto, 1, 30+, HelperContainer", "Auto, 2, 0, ImageVolume",
        "Auto, '', '', HelperContainer", "ImageVolume, 1, 30, ImageVolume", "HelperContainer, 1, 40, HelperContainer"})
    void autoPicksImageVolumeFromTheFirstVersionThatHasItOnByDefault(ContainerDiskMode mode, String major, String minor,
                                                                    ContainerDiskMode expected) {
        assertThat(mode.forServer(major, minor)).isEqualTo(expected);
    }

    static PodSpec helperPod(SharedLibraryPool... pools) {
        return NodeDaemonSet.desired(List.of(pools), TestConfig.defaults(), ContainerDiskMode.HelperContainer)
                .getSpec().getTemplate().getSpec();
    }

    private static String digest(SharedLibraryPool... pools) {
        return NodeDaemonSets.digest(NodeDaemonSet.desired(List.of(pools), TestConfig.defaults(),
                ContainerDiskMode.HelperContainer));
    }

    static SharedLibraryPool disk(String name, String image) {
        SharedLibraryPool pool = NodeDaemonSetTest.pool(name, Map.of());
        pool.getSpec().setSource(new PoolSource());
        pool.getSpec().getSource().setContainerDisk(new ContainerDiskSource(image));
        return pool;
    }

    private static SharedLibraryPool host(String name) {
        SharedLibraryPool pool = NodeDaemonSetTest.pool(name, Map.of());
        pool.getSpec().setSource(new PoolSource());
        pool.getSpec().getSource().setHostPath(new HostPathSource("/srv/guest-root"));
        return pool;
    }
}
