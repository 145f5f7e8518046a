package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.nio.file.Path;
import java.util.function.Consumer;

/** The pool "it" of the pool ITs: a source root, maxSize 64Mi, every namespace, then the test's change. */
final class TestPools {

    private TestPools() {
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
}
