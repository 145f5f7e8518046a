package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * What the node daemon DaemonSet needs for the pools whose source is a containerDisk: per such pool an image
 * volume (Kubernetes ImageVolume) of the containerDisk image, mounted read-only where the node daemon looks for
 * it ({@link ContainerDiskSource#mountDir(String)}). The kubelet pulls the image with the node's credentials and
 * mirrors; the daemon never talks to a registry. Pure: the same pools give the same lists, in pool-name order,
 * so an unrelated pool change does not roll the DaemonSet.
 */
public final class ContainerDiskVolumes {

    /**
     * Prefix of a pool's volume (ImageVolume) or helper container (HelperContainer); with a pool name of at most 55
     * characters the name stays a 63-character DNS label.
     */
    public static final String VOLUME_PREFIX = "cdisk-";
    /** As KubeVirt pulls containerDisks: a tag is looked up again only when the node lacks the image. */
    public static final String PULL_POLICY = "IfNotPresent";

    /** The volumes for the pod spec and the mounts for the node daemon container. */
    public record Mounts(List<Volume> volumes, List<VolumeMount> mounts) {
    }

    private ContainerDiskVolumes() {
    }

    /** @param pools every pool that exists (also one being deleted: its daemons may still be building it) */
    public static Mounts of(Collection<SharedLibraryPool> pools) {
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        for (SharedLibraryPool p : withContainerDisk(pools)) {
            String pool = p.getMetadata().getName();
            String name = VOLUME_PREFIX + pool;
            volumes.add(new VolumeBuilder().withName(name).withNewImage()
                    .withReference(p.getSpec().getSource().getContainerDisk().getImage())
                    .withPullPolicy(PULL_POLICY).endImage().build());
            mounts.add(new VolumeMountBuilder().withName(name).withMountPath(ContainerDiskSource.mountDir(pool))
                    .withReadOnly(true).build());
        }
        return new Mounts(List.copyOf(volumes), List.copyOf(mounts));
    }

    /** The pools with a containerDisk source, in name order (the same pools always give the same pod spec). */
    static List<SharedLibraryPool> withContainerDisk(Collection<SharedLibraryPool> pools) {
        return pools.stream()
                .filter(p -> p.getMetadata() != null && p.getMetadata().getName() != null)
                .filter(p -> p.getSpec() != null && p.getSpec().getSource() != null)
                .filter(p -> p.getSpec().getSource().getContainerDisk() != null)
                .filter(p -> p.getSpec().getSource().getContainerDisk().getImage() != null)
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .toList();
    }
}
