package dev.libpool.e2e.bench;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.List;
import java.util.Map;

/** The objects of the benchmark: namespaces, pools, a KubeVirt CR with the gates, and small cirros-like VMs. */
final class Seed {
    static final ResourceDefinitionContext VMS = context("VirtualMachine", "virtualmachines");
    static final ResourceDefinitionContext KUBEVIRTS = context("KubeVirt", "kubevirts");

    private Seed() {
    }

    static void all(KubernetesClient client, int vms, int namespaces, int pools) {
        client.genericKubernetesResources(KUBEVIRTS).inNamespace("kubevirt").resource(generic(Map.of(
                "apiVersion", "kubevirt.io/v1", "kind", "KubeVirt",
                "metadata", Map.of("name", "kubevirt", "namespace", "kubevirt"),
                "spec", Map.of("configuration", Map.of("developerConfiguration", Map.of("featureGates", List.of("Sidecar", "HostDisk")))),
                "status", Map.of("observedKubeVirtVersion", "v1.9.0", "observedKubeVirtRegistry", "quay.io/kubevirt"))))
                .create();
        for (int n = 0; n < namespaces; n++) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("bench-" + n)
                    .withLabels(Map.of("libpool.dev/bench", "yes")).endMetadata().build()).create();
        }
        for (int p = 0; p < pools; p++) {
            client.resource(Serialization.unmarshal("""
                    apiVersion: libpool.dev/v1alpha1
                    kind: SharedLibraryPool
                    metadata: {name: bench-%d}
                    spec:
                      source: {hostPath: {path: /srv/guest-root}}
                      maxSize: 256Mi
                      nodeSelector: {libpool.dev/bench-zone: z%d}
                      namespaceSelector: {matchLabels: {libpool.dev/bench: "yes"}}
                    """.formatted(p, p), SharedLibraryPool.class)).create();
        }
        for (int v = 0; v < vms; v++) {
            String ns = "bench-" + (v % namespaces);
            client.genericKubernetesResources(VMS).inNamespace(ns).resource(vm("vm-" + v, ns, "bench-" + (v % pools))).create();
        }
    }

    /** Every VM drops its label, as an admin opting them all out would. */
    static void optOut(KubernetesClient client) {
        for (GenericKubernetesResource vm : client.genericKubernetesResources(VMS).inAnyNamespace().list().getItems()) {
            client.genericKubernetesResources(VMS).inNamespace(vm.getMetadata().getNamespace()).withName(vm.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON), "[{\"op\":\"remove\",\"path\":\"/metadata/labels/libpool.dev~1pool\"}]");
        }
    }

    private static GenericKubernetesResource vm(String name, String ns, String pool) {
        return Serialization.unmarshal("""
                apiVersion: kubevirt.io/v1
                kind: VirtualMachine
                metadata:
                  name: %s
                  namespace: %s
                  labels: {libpool.dev/pool: %s}
                spec:
                  runStrategy: Halted
                  template:
                    spec:
                      domain:
                        devices:
                          disks:
                          - {name: containerdisk, disk: {bus: virtio}}
                          - {name: cloudinitdisk, disk: {bus: virtio}}
                        memory: {guest: 128Mi}
                      volumes:
                      - {name: containerdisk, containerDisk: {image: quay.io/kubevirt/cirros-container-disk-demo}}
                      - name: cloudinitdisk
                        cloudInitNoCloud:
                          userData: |
                            #cloud-config
                            password: cirros
                """.formatted(name, ns, pool), GenericKubernetesResource.class);
    }

    private static GenericKubernetesResource generic(Map<String, Object> object) {
        return Serialization.jsonMapper().convertValue(object, GenericKubernetesResource.class);
    }

    private static ResourceDefinitionContext context(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup("kubevirt.io").withVersion("v1").withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }
}
