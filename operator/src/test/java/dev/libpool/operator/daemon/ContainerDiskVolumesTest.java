package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ContainerDiskVolumesTest {

    @Test
    void eachContainerDiskPoolGetsAReadOnlyImageVolumeWhereTheDaemonLooks() {
        ContainerDiskVolumes.Mounts m = ContainerDiskVolumes.of(List.of(
                containerDisk("ubuntu", "quay.io/containerdisks/ubuntu:24.04"),
                pool("tree", PoolSource.hostPath("/srv/guest-root")),
                pool("image", PoolSource.diskImage("/var/lib/images/debian-12.qcow2")),
                containerDisk("debian", "quay.io/containerdisks/debian:12")));

        assertThat(m.volumes()).extracting(Volume::getName).containsExactly("cdisk-debian", "cdisk-ubuntu");
        assertThat(m.volumes().get(0).getImage().getReference()).isEqualTo("quay.io/containerdisks/debian:12");
        assertThat(m.volumes().get(0).getImage().getPullPolicy()).isEqualTo("IfNotPresent");
        assertThat(m.mounts()).extracting(VolumeMount::getName).containsExactly("cdisk-debian", "cdisk-ubuntu");
        assertThat(m.mounts()).extracting(VolumeMount::getMountPath)
                .containsExactly(ContainerDiskSource.MOUNT_ROOT + "/debian", ContainerDiskSource.MOUNT_ROOT + "/ubuntu");
        assertThat(m.mounts()).allMatch(VolumeMount::getReadOnly);
    }

    @Test
    void theSamePoolsInAnyOrderGiveTheSameListsAndNoContainerDiskGivesNone() {
        var a = containerDisk("a", "registry.example/a:1");
        var b = containerDisk("b", "registry.example/b:1");
        assertThat(ContainerDiskVolumes.of(List.of(b, a))).isEqualTo(ContainerDiskVolumes.of(List.of(a, b)));
        assertThat(ContainerDiskVolumes.of(List.of(pool("tree", PoolSource.hostPath("/srv"))))).isEqualTo(
                new ContainerDiskVolumes.Mounts(List.of(), List.of()));
    }

    @Test
    void theLongestPoolNameStillGivesAValidVolumeName() {
        String name = "p".repeat(55);
        assertThat(ContainerDiskVolumes.of(List.of(containerDisk(name, "r/x:1"))).volumes().get(0).getName())
                .hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    }

    private static SharedLibraryPool containerDisk(String name, String image) {
        PoolSource source = new PoolSource();
        source.setContainerDisk(new ContainerDiskSource(image));
        return pool(name, source);
    }

    private static SharedLibraryPool pool(String name, PoolSource source) {
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
        spec.setSource(source);
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
        pool.setSpec(spec);
        return pool;
    }
}
