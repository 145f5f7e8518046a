package dev.libpool.e2e.bench;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.e2e.operator.KubeVirtCr;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.Serialization;

import java.util.Map;

/** The objects of the benchmark: namespaces, pools, a KubeVirt CR with the gates, and small cirros-like VMs. */
final class Seed {
    static final ResourceDefinitionContext VMS = context("VirtualMachine", "virtualmachines");
    /** On every namespace and pool the benchmark creates (what it deletes on a cluster that outlives it). */
    static final String BENCH_LABEL = "libpool.dev/bench";
    /** The operator's own namespace (its Lease, the node daemon DaemonSet). */
    static final String OPERATOR_NAMESPACE = "libpool-bench-operator";

    private Seed() {
    }

    static void all(KubernetesClient client, int vms, int namespaces, int pools) {
        namespace(client, OPERATOR_NAMESPACE);
        namespace(client, "libpool-bench-kubevirt");
        KubeVirtCr.ensureWithGates(client, "libpool-bench-kubevirt", "v1.9.0");
        for (int n = 0; n < namespaces; n++) {
            namespace(client, "bench-" + n);
        }
        for (int p = 0; p < pools; p++) {
            client.resource(Serialization.unmarshal("""
                    apiVersion: libpool.dev/v1alpha1
                    kind: SharedLibraryPool
                    metadata: {name: bench-%d, labels: {libpool.dev/bench: "yes"}}
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

    private static void namespace(KubernetesClient client, String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .withLabels(Map.of(BENCH_LABEL, "yes")).endMetadata().build()).create();
    }

    private static ResourceDefinitionContext context(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup("kubevirt.io").withVersion("v1").withKind(kind)
                .withPlural(plural).withNamespaced(true).build();
    }
}
