package dev.libpool.operator.daemon;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.operator.config.ContainerDiskMode;
import dev.libpool.operator.config.LibpoolConfig;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Keeps the one node-daemon DaemonSet in step with the pools: created with the first pool, its spec replaced
 * when the pools' node selectors or the settings change (compared by a digest of the desired spec, because the
 * API server adds defaults to what is stored), deleted with the last pool. One DaemonSet serves every pool, so
 * it is not a per-pool JOSDK dependent resource.
 */
public final class NodeDaemonSets {
    static final String SPEC_DIGEST = "libpool.dev/spec-digest";

    private static final Logger LOG = Logger.getLogger(NodeDaemonSets.class);

    private final KubernetesClient client;
    private final LibpoolConfig config;
    private ContainerDiskMode mode;

    public NodeDaemonSets(KubernetesClient client, LibpoolConfig config) {
        this.client = client;
        this.config = config;
    }

    /** @return true when it wrote */
    public boolean sync(Collection<SharedLibraryPool> pools) {
        var resource = client.apps().daemonSets().inNamespace(config.namespace()).withName(NodeDaemonSet.NAME);
        DaemonSet have = resource.get();
        if (pools.isEmpty()) {
            if (have == null) {
                return false;
            }
            resource.delete();
            return true;
        }
        DaemonSet want = NodeDaemonSet.desired(pools, config, mode(pools));
        String digest = digest(want);
        want.getMetadata().setAnnotations(Map.of(SPEC_DIGEST, digest));
        if (have == null) {
            client.apps().daemonSets().inNamespace(config.namespace()).resource(want).create();
            return true;
        }
        Map<String, String> annotations = have.getMetadata().getAnnotations();
        if (annotations != null && digest.equals(annotations.get(SPEC_DIGEST))) {
            return false;
        }
        // Our own object: its whole spec is replaced, guarded by the version read.
        resource.patch(PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(
                Map.of("op", "test", "path", "/metadata/resourceVersion", "value", have.getMetadata().getResourceVersion()),
                Map.of("op", "add", "path", "/metadata/annotations", "value", Map.of(SPEC_DIGEST, digest)),
                Map.of("op", "add", "path", "/metadata/labels", "value", want.getMetadata().getLabels()),
                Map.of("op", "replace", "path", "/spec", "value", want.getSpec()))));
        return true;
    }

    /**
     * The configured mode, with Auto resolved by the API server's version the first time a pool has a
     * containerDisk (an API server upgrade is seen after the operator restarts; its pods roll with an upgrade).
     */
    private ContainerDiskMode mode(Collection<SharedLibraryPool> pools) {
        if (config.containerDiskMode() != ContainerDiskMode.Auto) {
            return config.containerDiskMode();
        }
        if (mode == null) {
            if (ContainerDiskVolumes.withContainerDisk(pools).isEmpty()) {
                return ContainerDiskMode.ImageVolume; // nothing to bring: both modes give the same pod
            }
            VersionInfo version = client.getKubernetesVersion();
            mode = ContainerDiskMode.Auto.forServer(version.getMajor(), version.getMinor());
            LOG.infof("containerDiskMode Auto: %s for the API server's Kubernetes %s.%s (ImageVolume is on by default "
                    + "from 1.%d; set containerDiskMode to choose)", mode, version.getMajor(), version.getMinor(),
                    ContainerDiskMode.IMAGE_VOLUME_DEFAULT_MINOR);
        }
        return mode;
    }

    static String digest(DaemonSet desired) {
        try {
            byte[] json = Serialization.asJson(desired.getSpec()).getBytes(StandardCharsets.UTF_8);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JVM", e);
        }
    }
}
