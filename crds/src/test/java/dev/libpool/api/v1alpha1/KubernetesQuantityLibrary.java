package dev.libpool.api.v1alpha1;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The part of the Kubernetes CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go) that the
 * model's rules use, so that tests evaluate those rules as the API server does. A rule calling another
 * Kubernetes function fails to compile here, which says to add it.
 */
final class KubernetesQuantityLibrary {
    private static final CelType QUANTITY = OpaqueType.create("kubernetes.Quantity");
    /** The serialization format of resource.Quantity, as in Kubernetes' OpenAPI. */
    private static final Pattern FORMAT = Pattern.compile(
            "^[+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$");

    private record Value(BigDecimal amount) {
    }

    private KubernetesQuantityLibrary() {
    }

    static List<CelFunctionDecl> declarations() {
        return List.of(
                CelFunctionDecl.newFunctionDeclaration("quantity",
                        CelOverloadDecl.newGlobalOverload("string_to_quantity", QUANTITY, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("isQuantity",
                        CelOverloadDecl.newGlobalOverload("is_quantity_string", SimpleType.BOOL, SimpleType.STRING)),
                CelFunctionDecl.newFunctionDeclaration("isGreaterThan",
                        CelOverloadDecl.newMemberOverload("quantity_is_greater_than", SimpleType.BOOL, QUANTITY, QUANTITY)));
    }

    static List<CelFunctionBinding> bindings() {
        return List.of(
                CelFunctionBinding.from("string_to_quantity", String.class, KubernetesQuantityLibrary::parse),
                CelFunctionBinding.from("is_quantity_string", String.class, s -> FORMAT.matcher(s).matches()),
                CelFunctionBinding.from("quantity_is_greater_than", Value.class, Value.class,
                        (a, b) -> a.amount().compareTo(b.amount()) > 0));
    }

    private static Value parse(String text) throws CelEvaluationException {
        if (!FORMAT.matcher(text).matches()) {
            throw new CelEvaluationException("quantities must match the regular expression " + FORMAT.pattern());
        }
        return new Value(Quantity.getAmountInBytes(new Quantity(text)));
    }
}
