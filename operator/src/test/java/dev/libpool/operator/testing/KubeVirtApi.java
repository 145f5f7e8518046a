package dev.libpool.operator.testing;

import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.quarkus.test.kubernetes.client.KubernetesServer;

import java.util.function.Consumer;

/**
 * Registers KubeVirt's API group (kubevirt.io/v1: VirtualMachine, VirtualMachineInstance, KubeVirt) in the mock API
 * server's discovery, as installing KubeVirt's CRDs does on a real cluster; the CRUD mode stores the objects.
 */
public final class KubeVirtApi implements Consumer<KubernetesServer> {
    @Override
    public void accept(KubernetesServer server) {
        server.expect().get().withPath("/apis/kubevirt.io/v1").andReturn(200, new APIResourceListBuilder()
                .withGroupVersion("kubevirt.io/v1")
                .addToResources(resource("virtualmachines", "VirtualMachine"),
                        resource("virtualmachineinstances", "VirtualMachineInstance"),
                        resource("kubevirts", "KubeVirt"))
                .build()).always();
    }

    private static io.fabric8.kubernetes.api.model.APIResource resource(String plural, String kind) {
        return new APIResourceBuilder().withName(plural).withKind(kind).withNamespaced(true)
                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").build();
    }
}
