package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

import java.net.HttpURLConnection;
import java.util.Optional;
import java.util.function.Function;

/**
 * Brings one VM to what libpool wants for it with at most one JSON patch per attempt. A refused patch (the VM
 * changed since it was read: 409, or a failed {@code test}: 422) re-reads the VM and plans again; a VM deleted
 * meanwhile is simply gone.
 */
public final class VmConverger {
    public static final ResourceDefinitionContext VIRTUAL_MACHINES = new ResourceDefinitionContext.Builder()
            .withGroup("kubevirt.io").withVersion("v1").withKind("VirtualMachine").withPlural("virtualmachines")
            .withNamespaced(true).build();
    static final int ATTEMPTS = 5;
    private static final int UNPROCESSABLE = 422;

    private final KubernetesClient client;

    public VmConverger(KubernetesClient client) {
        this.client = client;
    }

    /**
     * @param vm     the VM as cached (may be stale: a conflict re-reads it)
     * @param wanted what the VM should carry, computed from the VM as read (its label may change between reads)
     */
    public Outcome converge(GenericKubernetesResource vm, Function<JsonNode, Optional<Attachment>> wanted) {
        GenericKubernetesResource current = vm;
        for (int attempt = 1; ; attempt++) {
            JsonNode json = Json.MAPPER.valueToTree(current);
            VmPatchPlan.Plan plan = VmPatchPlan.plan(json, wanted.apply(json));
            if (plan.patch().isEmpty()) {
                return new Outcome(current, plan, false, attempt - 1);
            }
            try {
                GenericKubernetesResource patched = resource(current).patch(PatchContext.of(PatchType.JSON),
                        plan.patch().get().toString());
                return new Outcome(patched, plan, true, attempt - 1);
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    return Outcome.gone(plan);
                }
                boolean changed = e.getCode() == HttpURLConnection.HTTP_CONFLICT || e.getCode() == UNPROCESSABLE;
                if (!changed || attempt >= ATTEMPTS) {
                    throw e;
                }
            }
            current = resource(current).get();
            if (current == null) {
                return Outcome.gone(plan);
            }
        }
    }

    private io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource> resource(GenericKubernetesResource vm) {
        return client.genericKubernetesResources(VIRTUAL_MACHINES).inNamespace(vm.getMetadata().getNamespace())
                .withName(vm.getMetadata().getName());
    }

    /**
     * @param vm        the VM after this step (null when it was deleted)
     * @param plan      the last plan
     * @param wrote     whether a patch was sent and accepted
     * @param conflicts how many times the VM changed under us
     */
    public record Outcome(GenericKubernetesResource vm, VmPatchPlan.Plan plan, boolean wrote, int conflicts) {
        static Outcome gone(VmPatchPlan.Plan plan) {
            return new Outcome(null, plan, false, 0);
        }

        public Optional<ArrayNode> patch() {
            return plan.patch();
        }
    }
}
