package dev.libpool.operator.kubevirt;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the installed KubeVirt can run pool VMs, as a pure function of its KubeVirt CR: the CR exists, and
 * the feature gates {@code Sidecar} (the hook) and {@code HostDisk} (the pool file) are on. Also the default
 * sidecar-shim image: KubeVirt's own installed one (an empty image) from 1.3 on, before that the one of the
 * installed KubeVirt's registry, image prefix and version.
 */
public final class KubeVirtCheck {
    public static final List<String> REQUIRED_GATES = List.of("Sidecar", "HostDisk");
    static final String DEFAULT_REGISTRY = "quay.io/kubevirt";
    /**
     * The sidecar image that means "the sidecar-shim KubeVirt installed": none. Since KubeVirt 1.3 virt-controller
     * fills an empty image in with the image virt-operator resolved, with the CR's imagePrefix and per-image
     * overrides (kubevirt v1.9.0 pkg/virt-controller/services/template.go, newSidecarContainerRenderer:
     * {@code if requestedHookSidecar.Image == "" { requestedHookSidecar.Image = os.Getenv(SidecarShimImageEnvName) }};
     * virt-operator sets that variable in pkg/virt-operator/resource/generate/components/deployments.go).
     */
    public static final String INSTALLED_SIDECAR_SHIM = "";
    /** The first KubeVirt (major, minor) that resolves an empty sidecar image. */
    static final int[] EMPTY_IMAGE_SINCE = {1, 3};
    private static final Pattern VERSION = Pattern.compile("^v?(\\d+)\\.(\\d+)(\\D.*)?$");

    private KubeVirtCheck() {
    }

    /** @param kubevirts the KubeVirt CRs of the cluster (as JSON); normally exactly one */
    public static Result check(Collection<JsonNode> kubevirts) {
        if (kubevirts.isEmpty()) {
            return new Result(false, null, List.of(), "No KubeVirt CR found: install KubeVirt (kubectl get kubevirt -A "
                    + "shows none), then its feature gates Sidecar and HostDisk.", Optional.empty());
        }
        JsonNode kv = kubevirts.iterator().next();
        List<String> enabled = new ArrayList<>();
        kv.path("spec").path("configuration").path("developerConfiguration").path("featureGates")
                .forEach(g -> enabled.add(g.asText()));
        List<String> missing = REQUIRED_GATES.stream().filter(g -> !enabled.contains(g)).toList();
        String version = text(kv.path("status").path("observedKubeVirtVersion"))
                .or(() -> text(kv.path("status").path("targetKubeVirtVersion"))).orElse(null);
        String registry = text(kv.path("status").path("observedKubeVirtRegistry"))
                .or(() -> text(kv.path("status").path("targetKubeVirtRegistry"))).orElse(DEFAULT_REGISTRY);
        String prefix = kv.path("spec").path("imagePrefix").asText("");
        Optional<String> shim = Optional.ofNullable(version).map(v -> resolvesEmptyImage(v) ? INSTALLED_SIDECAR_SHIM
                : registry + "/" + prefix + "sidecar-shim:" + v);
        String namespace = kv.path("metadata").path("namespace").asText("kubevirt");
        String name = kv.path("metadata").path("name").asText("kubevirt");
        if (!missing.isEmpty()) {
            return new Result(false, version, missing, "KubeVirt " + (version == null ? "" : version + " ")
                    + "lacks the feature gates " + String.join(", ", missing) + ": kubectl patch kubevirt " + name
                    + " -n " + namespace + " --type=json -p '[" + String.join(",", missing.stream().map(g ->
                    "{\"op\":\"add\",\"path\":\"/spec/configuration/developerConfiguration/featureGates/-\",\"value\":\""
                            + g + "\"}").toList()) + "]'", shim);
        }
        return new Result(true, version, List.of(), "KubeVirt " + (version == null ? "(version not reported yet)" : version)
                + " has the feature gates Sidecar and HostDisk.", shim);
    }

    /** Whether this KubeVirt version fills in an empty sidecar image; a version of no known form is taken as new. */
    static boolean resolvesEmptyImage(String version) {
        Matcher m = VERSION.matcher(version);
        if (!m.matches()) {
            return true;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        return major > EMPTY_IMAGE_SINCE[0] || major == EMPTY_IMAGE_SINCE[0] && minor >= EMPTY_IMAGE_SINCE[1];
    }

    private static Optional<String> text(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? Optional.of(node.asText()) : Optional.empty();
    }

    /**
     * @param ready        KubeVirt exists and has the gates
     * @param missingGates the required gates that are off
     * @param message      what is wrong and the one-line fix, or that all is well
     * @param sidecarShim  the sidecar image for libpool's hook entry when the version is known:
     *                     {@link #INSTALLED_SIDECAR_SHIM} for KubeVirt >= 1.3, else the image named from the CR
     */
    public record Result(boolean ready, String version, List<String> missingGates, String message,
                         Optional<String> sidecarShim) {
    }
}
