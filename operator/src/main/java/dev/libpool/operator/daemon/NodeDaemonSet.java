package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.operator.config.ContainerDiskMode;
import dev.libpool.operator.config.LibpoolConfig;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one node-daemon DaemonSet for all pools, as a pure function of the pools and the typed config.
 *
 * <p>Host access (the daemon sees the host under {@code /host}, its {@code --host-root}), and why:
 * <ul>
 *   <li>{@code /} at {@code /host}, read-only: pool sources ({@code spec.source.hostPath}) are host
 *       directories, and {@code /proc} tells which QEMU maps which pool generation.</li>
 *   <li>the state dir (default {@code /var/lib/libpool}) at {@code /host<stateDir>}, read-write with
 *       mountPropagation Bidirectional: the daemon mounts each pool's tmpfs below it, and Bidirectional makes
 *       those mounts reach the host and the virt-launcher pods started later, whose hostDisk volume holds
 *       the pool file. Kubernetes allows Bidirectional only in a privileged container: that is the only
 *       reason the container is privileged.</li>
 *   <li>{@code /sys/kernel/mm/ksm} at {@code /host/sys/kernel/mm/ksm}, read-write: the KSM knobs the pool's
 *       {@code spec.ksm} tunes (saved first, restored by {@code ksm restore}).</li>
 * </ul>
 * No host access for containerDisk pools: the kubelet pulls each image and mounts it read-only as an image
 * volume ({@link ContainerDiskVolumes}), or runs it as a helper container of this pod ({@link ContainerDiskHelpers}).
 */
public final class NodeDaemonSet {
    public static final String NAME = "libpool-node-daemon";
    static final String STATE_VOLUME = "state";
    static final String HOST_VOLUME = "host-root";
    static final String KSM_VOLUME = "ksm";
    static final String HOST_ROOT = "/host";
    static final String KSM_DIR = "/sys/kernel/mm/ksm";
    private static final Map<String, String> LABELS = Map.of(
            "app.kubernetes.io/name", NAME, "app.kubernetes.io/part-of", "libpool",
            "app.kubernetes.io/managed-by", "libpool-operator");

    private NodeDaemonSet() {
    }

    public static Map<String, String> labels() {
        return LABELS;
    }

    /** @param mode how containerDisks reach the daemon: ImageVolume or HelperContainer (Auto resolved already) */
    public static DaemonSet desired(Collection<SharedLibraryPool> pools, LibpoolConfig config, ContainerDiskMode mode) {
        LibpoolConfig.Daemon daemon = config.daemon();
        if (mode == ContainerDiskMode.Auto) {
            throw new IllegalArgumentException("resolve containerDiskMode Auto by the API server's version first");
        }
        boolean helperMode = mode == ContainerDiskMode.HelperContainer;
        ContainerDiskVolumes.Mounts containerDisks = helperMode ? new ContainerDiskVolumes.Mounts(List.of(), List.of())
                : ContainerDiskVolumes.of(pools);
        ContainerDiskHelpers.Helpers helpers = helperMode
                ? ContainerDiskHelpers.of(pools, daemon.image(), daemon.imagePullPolicy())
                : ContainerDiskHelpers.of(List.of(), daemon.image(), daemon.imagePullPolicy());
        DaemonSetBuilder builder = new DaemonSetBuilder()
                .withNewMetadata().withName(NAME).withNamespace(config.namespace()).withLabels(LABELS).endMetadata()
                .withNewSpec()
                .withNewSelector().withMatchLabels(Map.of("app.kubernetes.io/name", NAME)).endSelector()
                .withNewTemplate()
                .withNewMetadata().withLabels(LABELS).endMetadata()
                .withNewSpec()
                .withServiceAccountName(daemon.serviceAccount())
                .withPriorityClassName(daemon.priorityClassName())
                .withTolerations(tolerations(daemon.tolerations()))
                .withNewAffinity().withNewNodeAffinity().withNewRequiredDuringSchedulingIgnoredDuringExecution()
                .withNodeSelectorTerms(nodeTerms(pools))
                .endRequiredDuringSchedulingIgnoredDuringExecution().endNodeAffinity().endAffinity()
                .addNewContainer()
                .withName("node-daemon")
                .withImage(daemon.image())
                .withImagePullPolicy(daemon.imagePullPolicy())
                .withArgs("run", "--state-dir", config.stateDir(), "--host-root", HOST_ROOT,
                        "--mount-context", daemon.selinuxMountContext())
                .withEnv(new EnvVarBuilder().withName("NODE_NAME")
                        .withNewValueFrom().withNewFieldRef().withFieldPath("spec.nodeName").endFieldRef().endValueFrom()
                        .build())
                .withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .withNewResources()
                .withRequests(Map.of("cpu", new Quantity(daemon.cpuRequest()), "memory", new Quantity(daemon.memoryRequest())))
                .withLimits(Map.of("memory", new Quantity(daemon.memoryLimit())))
                .endResources()
                .withVolumeMounts(
                        new VolumeMountBuilder().withName(HOST_VOLUME).withMountPath(HOST_ROOT).withReadOnly(true)
                                .withMountPropagation("HostToContainer").build(),
                        new VolumeMountBuilder().withName(STATE_VOLUME).withMountPath(HOST_ROOT + config.stateDir())
                                .withMountPropagation("Bidirectional").build(),
                        new VolumeMountBuilder().withName(KSM_VOLUME).withMountPath(HOST_ROOT + KSM_DIR).build())
                .addAllToVolumeMounts(containerDisks.mounts())
                .addAllToVolumeMounts(helpers.daemonMounts())
                .endContainer()
                .addAllToContainers(helpers.containers())
                .addAllToInitContainers(helpers.initContainers())
                .withVolumes(
                        new VolumeBuilder().withName(STATE_VOLUME).withNewHostPath()
                                .withPath(config.stateDir()).withType("DirectoryOrCreate").endHostPath().build(),
                        new VolumeBuilder().withName(HOST_VOLUME).withNewHostPath()
                                .withPath("/").withType("Directory").endHostPath().build(),
                        new VolumeBuilder().withName(KSM_VOLUME).withNewHostPath()
                                .withPath(KSM_DIR).withType("Directory").endHostPath().build())
                .addAllToVolumes(containerDisks.volumes())
                .addAllToVolumes(helpers.volumes())
                // helpers: the daemon must see their processes; they must not get its API token
                .withShareProcessNamespace(helpers.any() ? Boolean.TRUE : null)
                .withAutomountServiceAccountToken(helpers.any() ? Boolean.FALSE : null)
                .endSpec()
                .endTemplate()
                .endSpec();
        return builder.build();
    }

    /** One term per pool (terms are ORed); an empty nodeSelector is a term that matches every node. */
    static List<NodeSelectorTerm> nodeTerms(Collection<SharedLibraryPool> pools) {
        return pools.stream()
                .sorted(Comparator.comparing(p -> p.getMetadata().getName()))
                .map(pool -> term(pool.getSpec().getNodeSelector()))
                .distinct()
                .collect(Collectors.toList());
    }

    private static NodeSelectorTerm term(Map<String, String> selector) {
        // An empty term matches no node in Kubernetes, so "every node" is spelled as every Linux node.
        if (selector == null || selector.isEmpty()) {
            return new NodeSelectorTermBuilder()
                    .addNewMatchExpression().withKey("kubernetes.io/os").withOperator("In").withValues("linux")
                    .endMatchExpression().build();
        }
        List<NodeSelectorRequirement> requirements = selector.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new NodeSelectorRequirement(e.getKey(), "In", List.of(e.getValue())))
                .collect(Collectors.toList());
        return new NodeSelectorTermBuilder().withMatchExpressions(requirements).build();
    }

    static List<Toleration> tolerations(List<String> specs) {
        return specs.stream().map(NodeDaemonSet::toleration).collect(Collectors.toList());
    }

    private static Toleration toleration(String spec) {
        String s = spec.strip();
        if (s.equals("*")) {
            return new TolerationBuilder().withOperator("Exists").build();
        }
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("libpool.daemon.tolerations: '" + spec + "' must be key[=value]:effect, "
                    + "key:* or *, e.g. dedicated=vms:NoSchedule");
        }
        String keyValue = s.substring(0, colon);
        String effect = s.substring(colon + 1);
        TolerationBuilder t = new TolerationBuilder();
        int eq = keyValue.indexOf('=');
        if (eq >= 0) {
            t.withKey(keyValue.substring(0, eq)).withOperator("Equal").withValue(keyValue.substring(eq + 1));
        } else {
            t.withKey(keyValue).withOperator("Exists");
        }
        if (!effect.equals("*")) {
            t.withEffect(effect);
        }
        return t.build();
    }
}
