package dev.libpool.operator.vm;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.VmContract;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which pool a VM should have: the one its label {@link VmContract#POOL_LABEL} names, if that pool exists, is
 * not being deleted, and its namespaceSelector matches the VM's namespace. Otherwise none, with the reason.
 */
public final class VmSelection {
    private VmSelection() {
    }

    /** The wanted pool or the refusal; empty for a VM without the label. */
    public static Optional<Result> select(Map<String, String> vmLabels, String namespace, Map<String, String> namespaceLabels,
                                          Function<String, Optional<SharedLibraryPool>> pools) {
        String wanted = vmLabels == null ? null : vmLabels.get(VmContract.POOL_LABEL);
        if (wanted == null) {
            return Optional.empty();
        }
        Optional<SharedLibraryPool> pool = VmContract.isPoolName(wanted) ? pools.apply(wanted) : Optional.empty();
        if (pool.isEmpty() || pool.get().getMetadata().getDeletionTimestamp() != null) {
            return Optional.of(Result.refused(wanted, new Refusal(Refusal.Reason.PoolMissing, "the VM's label "
                    + VmContract.POOL_LABEL + "=" + wanted + " names no SharedLibraryPool: create it, or fix the "
                    + "label (kubectl get slp lists the pools)")));
        }
        if (!matches(pool.get().getSpec().getNamespaceSelector(), namespaceLabels)) {
            return Optional.of(Result.refused(wanted, new Refusal(Refusal.Reason.NamespaceNotAllowed, "pool " + wanted
                    + " does not allow namespace " + namespace + " (its spec.namespaceSelector does not match the "
                    + "namespace's labels): ask the pool's admin to allow it, or remove the label")));
        }
        return Optional.of(new Result(wanted, pool, Optional.empty()));
    }

    /** Kubernetes label selector semantics; a null selector selects nothing (the field is required). */
    static boolean matches(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        Map<String, String> l = labels == null ? Map.of() : labels;
        if (selector.getMatchLabels() != null) {
            for (var e : selector.getMatchLabels().entrySet()) {
                if (!Objects.equals(l.get(e.getKey()), e.getValue())) {
                    return false;
                }
            }
        }
        if (selector.getMatchExpressions() != null) {
            for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
                if (!matches(r, l)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
        String value = labels.get(r.getKey());
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        return switch (r.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> labels.containsKey(r.getKey());
            case "DoesNotExist" -> !labels.containsKey(r.getKey());
            default -> false;
        };
    }

    /** The pool a VM asked for, the pool if it may have it, or why not. */
    public record Result(String wanted, Optional<SharedLibraryPool> pool, Optional<Refusal> refusal) {
        static Result refused(String wanted, Refusal refusal) {
            return new Result(wanted, Optional.empty(), Optional.of(refusal));
        }
    }
}
