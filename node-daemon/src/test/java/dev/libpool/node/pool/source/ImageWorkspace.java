package dev.libpool.node.pool.source;

import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.nio.file.Files;
import java.nio.file.Path;

/** A disk-image test's directory under /var/tmp with a guest tree of 4 libraries, and a fresh state dir per call. */
abstract class ImageWorkspace {

    protected Path dir;
    protected Path tree;
    private int states;

    @BeforeEach
    void workspace() throws Exception {
        DiskImages.assumeImageTools();
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-" + getClass().getSimpleName() + "-");
        tree = dir.resolve("guest-root");
        DiskImages.guestTree(tree, 4);
    }

    @AfterEach
    void removeWorkspace() throws Exception {
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    /** A state directory of its own: the same pool name on one "node" each. */
    protected HostPaths paths() {
        return new HostPaths(Path.of("/"), dir.resolve("state-" + ++states).toString());
    }
}
