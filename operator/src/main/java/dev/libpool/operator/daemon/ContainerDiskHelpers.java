package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.ContainerDiskSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What the node daemon's pod needs for the containerDisk pools in HelperContainer mode (clusters without
 * ImageVolume), the way KubeVirt runs a containerDisk: per pool a container of the containerDisk image whose
 * command is a static busybox (an init container copies it from the daemon image into an emptyDir: the image
 * itself has no shell or binary) sleeping with the pool's marker as its last argument. With the pod's process
 * namespace shared, the daemon finds it by that marker and reads the disk through {@code /proc/<pid>/root}.
 *
 * <p>The helpers get nothing: a non-root user, a read-only root, no capabilities, no privilege escalation, the
 * runtime's seccomp profile, tiny resources; the pod does not mount a service account token into them (the
 * daemon container mounts its own, {@link #TOKEN_DIR}). Pure: the same pools give the same lists.
 */
public final class ContainerDiskHelpers {

    /** Where the busybox copy is, in the init container (writable) and in every helper (read-only). */
    public static final String HELPER_DIR = "/var/run/libpool/helper";
    public static final String BIN_VOLUME = "cdisk-helper-bin";
    public static final String INSTALL_CONTAINER = "cdisk-helper-install";
    /** busybox-static's binary in the node daemon image (images/node-daemon.Containerfile installs it). */
    public static final String IMAGE_BUSYBOX = "/bin/busybox";
    /** The helpers' user: nobody. The daemon reads their root as root; they need no access to the disk. */
    static final long HELPER_UID = 65534;
    static final String TOKEN_VOLUME = "kube-api-access";
    static final String TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    // as the kubelet's own projected token: an hour, refreshed by the kubelet before it expires
    private static final long TOKEN_SECONDS = 3607;
    private static final Map<String, Quantity> REQUESTS = Map.of("cpu", new Quantity("1m"), "memory", new Quantity("4Mi"));
    private static final Map<String, Quantity> LIMITS = Map.of("cpu", new Quantity("50m"), "memory", new Quantity("16Mi"));

    /** Empty lists when no pool has a containerDisk: the pod is then as in ImageVolume mode. */
    public record Helpers(List<Container> initContainers, List<Container> containers, List<Volume> volumes,
                          List<VolumeMount> daemonMounts) {
        public boolean any() {
            return !containers.isEmpty();
        }
    }

    private ContainerDiskHelpers() {
    }

    /**
     * @param daemonImage      the node daemon image (it has busybox-static)
     * @param daemonPullPolicy its pull policy
     */
    public static Helpers of(Collection<SharedLibraryPool> pools, String daemonImage, String daemonPullPolicy) {
        List<Container> helpers = ContainerDiskVolumes.withContainerDisk(pools).stream().map(p -> {
            String pool = p.getMetadata().getName();
            return new ContainerBuilder().withName(ContainerDiskVolumes.VOLUME_PREFIX + pool)
                    .withImage(p.getSpec().getSource().getContainerDisk().getImage())
                    .withImagePullPolicy(ContainerDiskVolumes.PULL_POLICY)
                    .withCommand(ContainerDiskSource.helperCommand(HELPER_DIR + "/busybox", pool))
                    .withVolumeMounts(binMount(true))
                    .withSecurityContext(restricted())
                    .withNewResources().withRequests(REQUESTS).withLimits(LIMITS).endResources()
                    .build();
        }).toList();
        if (helpers.isEmpty()) {
            return new Helpers(List.of(), List.of(), List.of(), List.of());
        }
        Container install = new ContainerBuilder().withName(INSTALL_CONTAINER).withImage(daemonImage)
                .withImagePullPolicy(daemonPullPolicy)
                .withCommand("cp", IMAGE_BUSYBOX, HELPER_DIR + "/busybox")
                .withVolumeMounts(binMount(false))
                .withSecurityContext(restricted())
                .withNewResources().withRequests(REQUESTS).withLimits(LIMITS).endResources()
                .build();
        List<Volume> volumes = List.of(
                new VolumeBuilder().withName(BIN_VOLUME).withNewEmptyDir().withSizeLimit(new Quantity("16Mi"))
                        .endEmptyDir().build(),
                tokenVolume());
        VolumeMount token = new VolumeMountBuilder().withName(TOKEN_VOLUME).withMountPath(TOKEN_DIR).withReadOnly(true)
                .build();
        return new Helpers(List.of(install), helpers, volumes, List.of(token));
    }

    private static VolumeMount binMount(boolean readOnly) {
        return new VolumeMountBuilder().withName(BIN_VOLUME).withMountPath(HELPER_DIR).withReadOnly(readOnly).build();
    }

    private static SecurityContext restricted() {
        return new SecurityContextBuilder().withRunAsUser(HELPER_UID).withRunAsGroup(HELPER_UID).withRunAsNonRoot(true)
                .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .build();
    }

    /**
     * The daemon's own API credentials, as the service account admission would mount them: with helpers the pod
     * turns the automatic token off so that no helper container gets it, and the daemon container mounts this.
     */
    private static Volume tokenVolume() {
        return new VolumeBuilder().withName(TOKEN_VOLUME).withNewProjected()
                .addNewSource().withNewServiceAccountToken().withPath("token").withExpirationSeconds(TOKEN_SECONDS)
                .endServiceAccountToken().endSource()
                .addNewSource().withNewConfigMap().withName("kube-root-ca.crt")
                .addNewItem().withKey("ca.crt").withPath("ca.crt").endItem().endConfigMap().endSource()
                .addNewSource().withNewDownwardAPI().addNewItem().withPath("namespace")
                .withNewFieldRef().withApiVersion("v1").withFieldPath("metadata.namespace").endFieldRef().endItem()
                .endDownwardAPI().endSource()
                .endProjected().build();
    }
}
