package dev.libpool.e2e.operator;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The KubeVirt CR the operator checks, on an API server without KubeVirt: written as an admin and virt-operator
 * leave it (the feature gates Sidecar and HostDisk in the spec; the observed version and registry through the
 * status subresource, since a status sent with create is dropped). A KubeVirt the cluster runs itself is left alone.
 */
public final class KubeVirtCr {
    public static final ResourceDefinitionContext KUBEVIRTS = new ResourceDefinitionContext.Builder()
            .withGroup("kubevirt.io").withVersion("v1").withKind("KubeVirt").withPlural("kubevirts")
            .withNamespaced(true).build();
    /** Marks the CRs written here, as opposed to a KubeVirt the cluster runs. */
    public static final String MARK = "libpool.dev/test";
    private static final String REGISTRY = "quay.io/kubevirt";

    private KubeVirtCr() {
    }

    /**
     * A KubeVirt CR with the gates in NAMESPACE reporting VERSION, unless the cluster has one of its own; returns the
     * version written, empty when the cluster's own KubeVirt is used.
     */
    public static Optional<String> ensureWithGates(KubernetesClient client, String namespace, String version) {
        var kubevirts = client.genericKubernetesResources(KUBEVIRTS);
        if (kubevirts.inAnyNamespace().list().getItems().stream()
                .anyMatch(k -> k.getMetadata().getLabels() == null || !k.getMetadata().getLabels().containsKey(MARK))) {
            return Optional.empty();
        }
        GenericKubernetesResource kv = Serialization.jsonMapper().convertValue(Map.of(
                "apiVersion", "kubevirt.io/v1", "kind", "KubeVirt",
                "metadata", Map.of("name", "kubevirt", "namespace", namespace, "labels", Map.of(MARK, "true")),
                "spec", Map.of("configuration", Map.of("developerConfiguration",
                        Map.of("featureGates", List.of("Sidecar", "HostDisk"))))), GenericKubernetesResource.class);
        GenericKubernetesResource stored = kubevirts.inNamespace(namespace).resource(kv).create();
        stored.setAdditionalProperty("status", Map.of("observedKubeVirtVersion", version,
                "observedKubeVirtRegistry", REGISTRY));
        kubevirts.inNamespace(namespace).resource(stored).updateStatus();
        return Optional.of(version);
    }
}
