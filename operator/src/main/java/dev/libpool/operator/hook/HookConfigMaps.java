package dev.libpool.operator.hook;

import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.guest.GuestScripts;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The hook ConfigMap ({@link VmContract#HOOK_CONFIG_MAP}) in every namespace whose VMs carry a pool: KubeVirt's
 * sidecar-shim reads the onDefineDomain script from it when the VM starts. Owned by the pools of the VMs there
 * (so it goes with them) and removed when no VM of the namespace uses libpool any more.
 */
public final class HookConfigMaps {
    public static final Map<String, String> LABELS = Map.of("app.kubernetes.io/part-of", "libpool",
            "app.kubernetes.io/component", "hook", "app.kubernetes.io/managed-by", "libpool-operator");

    private final KubernetesClient client;
    private final String script = GuestScripts.hookScript();

    public HookConfigMaps(KubernetesClient client) {
        this.client = client;
    }

    /** The ConfigMap a namespace needs; pure. */
    public static ConfigMap desired(String namespace, String script, List<OwnerReference> owners) {
        return new ConfigMapBuilder()
                .withNewMetadata().withName(VmContract.HOOK_CONFIG_MAP).withNamespace(namespace).withLabels(LABELS)
                .withOwnerReferences(owners).endMetadata()
                .withData(Map.of(VmContract.HOOK_KEY, script))
                .build();
    }

    /**
     * Creates or repairs the ConfigMap of each namespace in use and deletes libpool's ConfigMaps elsewhere. The
     * ConfigMap of release 0.1 ({@link VmContract#LEGACY_HOOK_CONFIG_MAP}) stays while a VM of its namespace still
     * names it (KubeVirt would fail to render that VM's launcher pod without it) and goes after.
     *
     * @param inUse       namespace -> owner references (the pools whose VMs are there)
     * @param formerInUse namespaces where a VM's hook entry still names the ConfigMap of release 0.1
     * @return the number of writes made
     */
    public int sync(Map<String, List<OwnerReference>> inUse, Set<String> formerInUse) {
        int writes = 0;
        List<ConfigMap> existing = client.configMaps().inAnyNamespace().withLabels(LABELS).list().getItems();
        for (ConfigMap cm : existing) {
            String namespace = cm.getMetadata().getNamespace();
            boolean current = VmContract.HOOK_CONFIG_MAP.equals(cm.getMetadata().getName());
            if (current ? !inUse.containsKey(namespace) : !formerInUse.contains(namespace)) {
                client.configMaps().inNamespace(namespace).withName(cm.getMetadata().getName()).delete();
                writes++;
            }
        }
        for (Map.Entry<String, List<OwnerReference>> e : inUse.entrySet()) {
            ConfigMap want = desired(e.getKey(), script, e.getValue());
            ConfigMap have = existing.stream().filter(c -> c.getMetadata().getNamespace().equals(e.getKey())
                    && VmContract.HOOK_CONFIG_MAP.equals(c.getMetadata().getName())).findFirst().orElse(null);
            if (have == null) {
                client.configMaps().inNamespace(e.getKey()).resource(want).create();
                writes++;
            } else if (!Objects.equals(have.getData(), want.getData())
                    || !Set.copyOf(nullToEmpty(have.getMetadata().getOwnerReferences())).equals(Set.copyOf(e.getValue()))) {
                client.configMaps().inNamespace(e.getKey()).withName(VmContract.HOOK_CONFIG_MAP)
                        .patch(PatchContext.of(PatchType.JSON), Serialization.asJson(List.of(
                                Map.of("op", "test", "path", "/metadata/resourceVersion",
                                        "value", have.getMetadata().getResourceVersion()),
                                Map.of("op", "add", "path", "/metadata/ownerReferences", "value", e.getValue()),
                                Map.of("op", "add", "path", "/data", "value", want.getData()))));
                writes++;
            }
        }
        return writes;
    }

    private static <T> List<T> nullToEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }
}
