package dev.libpool.operator.testing;

import dev.libpool.api.v1alpha1.HostPathSource;
import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodePoolReport;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.util.List;

/** Pools and node reports as the tests write them. */
public final class PoolFixtures {
    private PoolFixtures() {
    }

    /** A hostPath pool of 256Mi allowing every namespace, without status (the server sets none on create). */
    public static SharedLibraryPool pool(String name) {
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).build());
        PoolSource source = new PoolSource();
        source.setHostPath(new HostPathSource("/srv/guest-root"));
        pool.getSpec().setSource(source);
        pool.getSpec().setMaxSize(new Quantity("256Mi"));
        pool.getSpec().setNamespaceSelector(new LabelSelector());
        pool.setStatus(null);
        return pool;
    }

    /** The report a node daemon writes for NODE, named after the node. */
    public static NodePoolReport report(String node, List<NodePoolState> states) {
        NodePoolReport report = new NodePoolReport();
        report.setMetadata(new ObjectMetaBuilder().withName(node).build());
        report.getStatus().setNodeName(node);
        report.getStatus().getPools().addAll(states);
        return report;
    }

    /** One pool on a node: Ready with the image DIGEST, or Building without an image when DIGEST is null. */
    public static NodePoolState state(String pool, String digest) {
        NodePoolState state = new NodePoolState();
        state.setName(pool);
        state.setObservedGeneration(1L);
        state.setState(digest == null ? NodePoolState.State.Building : NodePoolState.State.Ready);
        if (digest != null) {
            ImageInfo image = new ImageInfo();
            image.setDigest(digest);
            state.setImage(image);
        }
        return state;
    }
}
