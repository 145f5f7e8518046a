package dev.libpool.operator.vm;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class VmSelectionTest {

    @Test
    void aVmGetsThePoolItsLabelNamesWhenItsNamespaceIsAllowed() {
        SharedLibraryPool pool = pool("base");
        pool.getSpec().setNamespaceSelector(new LabelSelectorBuilder().withMatchLabels(Map.of("team", "a"))
                .addNewMatchExpression().withKey("tier").withOperator("NotIn").withValues("prod").endMatchExpression().build());

        var chosen = VmSelection.select(Map.of("libpool.dev/pool", "base"), "ns", Map.of("team", "a"), n -> Optional.of(pool));
        assertThat(chosen.orElseThrow().pool()).contains(pool);
        assertThat(chosen.get().refusal()).isEmpty();

        var notAllowed = VmSelection.select(Map.of("libpool.dev/pool", "base"), "ns", Map.of("team", "a", "tier", "prod"),
                n -> Optional.of(pool));
        assertThat(notAllowed.orElseThrow().refusal().orElseThrow().reason()).isEqualTo(Refusal.Reason.NamespaceNotAllowed);
        assertThat(notAllowed.get().refusal().get().message()).contains("namespace ns", "spec.namespaceSelector");

        assertThat(VmSelection.select(Map.of("app", "x"), "ns", Map.of(), n -> Optional.of(pool))).as("no label").isEmpty();
    }

    @Test
    void aMissingOrDeletedPoolIsARefusalNamingTheLabel() {
        var missing = VmSelection.select(Map.of("libpool.dev/pool", "nope"), "ns", Map.of(), n -> Optional.empty());
        assertThat(missing.orElseThrow().refusal().orElseThrow().reason()).isEqualTo(Refusal.Reason.PoolMissing);
        assertThat(missing.get().refusal().get().message()).contains("libpool.dev/pool=nope");

        SharedLibraryPool deleting = pool("base");
        deleting.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        var gone = VmSelection.select(Map.of("libpool.dev/pool", "base"), "ns", Map.of(), n -> Optional.of(deleting));
        assertThat(gone.orElseThrow().refusal().orElseThrow().reason()).isEqualTo(Refusal.Reason.PoolMissing);

        var invalid = VmSelection.select(Map.of("libpool.dev/pool", "Not_A_Pool"), "ns", Map.of(), n -> Optional.of(pool("base")));
        assertThat(invalid.orElseThrow().refusal()).isPresent();
    }

    @Test
    void anEmptySelectorAllowsEveryNamespaceAndAMissingOneNone() {
        SharedLibraryPool pool = pool("base");
        pool.getSpec().setNamespaceSelector(new LabelSelectorBuilder().build());
        assertThat(VmSelection.matches(pool.getSpec().getNamespaceSelector(), Map.of())).isTrue();
        assertThat(VmSelection.matches(null, Map.of())).isFalse();
        assertThat(VmSelection.matches(new LabelSelectorBuilder().addNewMatchExpression().withKey("k").withOperator("Exists")
                .endMatchExpression().build(), Map.of("k", ""))).isTrue();
    }

    static SharedLibraryPool pool(String name) {
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
        pool.getSpec().setMaxSize(new io.fabric8.kubernetes.api.model.Quantity("256Mi"));
        pool.getSpec().setNamespaceSelector(new LabelSelectorBuilder().build());
        return pool;
    }
}
