package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The pool "it" over a source root, as the host-level pool tests use it, and their common checks. */
final class PoolFixtures {

    private PoolFixtures() {
    }

    static SharedLibraryPool pool(Path source, Consumer<SharedLibraryPoolSpec> change) {
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
        PoolSource src = new PoolSource();
        src.setHostPath(new HostPathSource(source.toString()));
        spec.setSource(src);
        spec.setMaxSize(new Quantity("64Mi"));
        spec.setNamespaceSelector(new LabelSelector());
        change.accept(spec);
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName("it").withGeneration(1L).build());
        pool.setSpec(spec);
        return pool;
    }

    static void assertReady(PoolService.Result r) {
        assertThat(r.state().getState()).as(r.state().getReason() + ": " + r.state().getMessage())
                .isEqualTo(NodePoolState.State.Ready);
    }

    static String digest(PoolService.Result r) {
        return r.state().getImage().getDigest().substring("sha256:".length());
    }
}
