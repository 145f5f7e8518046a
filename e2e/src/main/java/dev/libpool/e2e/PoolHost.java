package dev.libpool.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.pool.PoolService;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The lab's pool, built and published by the node daemon's own code in standalone mode (no Kubernetes):
 * a SharedLibraryPool YAML whose source is the guest root tree, {@link PoolService#reconcile()}, and the
 * result on a real tmpfs at {@code <state>/pools/<pool>/pool.img}. Closing unmounts the tmpfs.
 */
public final class PoolHost implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final PoolService service;
    private final NodePoolState state;
    private final Path poolFile;
    private final Path yaml;

    private PoolHost(PoolService service, NodePoolState state, Path poolFile, Path yaml) {
        this.service = service;
        this.state = state;
        this.poolFile = poolFile;
        this.yaml = yaml;
    }

    /**
     * Writes the pool's YAML to {@code yaml}, then builds and publishes it under {@code stateDir}.
     *
     * @param sourceRoot the guest root tree whose shared libraries the pool holds
     * @param maxSize    spec.maxSize, e.g. 512Mi
     */
    public static PoolHost build(String name, Path sourceRoot, String maxSize, Path stateDir, Path yaml,
                                 Progress progress) {
        progress.step("pool " + name, "building from " + sourceRoot + " with the node daemon (state " + stateDir + ")");
        GuestKernel.write(yaml, """
                apiVersion: libpool.dev/v1alpha1
                kind: SharedLibraryPool
                metadata:
                  name: %s
                  generation: 1
                spec:
                  source:
                    hostPath:
                      path: %s
                  maxSize: %s
                  namespaceSelector: {}
                """.formatted(name, sourceRoot.toAbsolutePath(), maxSize));
        SharedLibraryPool pool;
        try {
            pool = YAML.readValue(yaml.toFile(), SharedLibraryPool.class);
        } catch (IOException e) {
            throw new LabException("cannot read the pool YAML " + yaml + ": " + e.getMessage(), e);
        }
        PoolService service = PoolService.onHost(pool, "file:" + yaml.toAbsolutePath(),
                new HostPaths(Path.of("/"), stateDir.toAbsolutePath().toString()));
        PoolService.Result result = service.reconcile();
        if (!result.ready()) {
            if (service.store() != null) {
                unmountQuietly(service);
            }
            throw new LabException("pool " + name + " did not build: " + result.state().getReason() + ": "
                    + result.state().getMessage());
        }
        PoolHost host = new PoolHost(service, result.state(), result.stableFile(), yaml);
        progress.step("pool " + name, result.state().getMessage() + "; " + HostMemory.mib(host.libraryBytes())
                + " of libraries, device " + HostMemory.mib(host.deviceBytes()));
        return host;
    }

    public String name() {
        return service.name();
    }

    /** The stable file VMs attach: {@code <state>/pools/<pool>/pool.img} on the pool's tmpfs. */
    public Path poolFile() {
        return poolFile;
    }

    public Path yaml() {
        return yaml;
    }

    /** The state the node daemon reported after publishing (digest, library count and bytes). */
    public NodePoolState state() {
        return state;
    }

    public long libraryBytes() {
        return state.getImage().getLibraryBytes() == null ? 0 : state.getImage().getLibraryBytes();
    }

    public long deviceBytes() {
        try {
            return Files.size(poolFile);
        } catch (IOException e) {
            throw new LabException("cannot stat " + poolFile + ": " + e.getMessage(), e);
        }
    }

    /** Bytes in use on the pool's own tmpfs (every generation on it): the host Shmem the pool holds. */
    public long tmpfsUsedBytes() {
        try {
            FileStore store = Files.getFileStore(poolFile.getParent());
            return store.getTotalSpace() - store.getUnallocatedSpace();
        } catch (IOException e) {
            throw new LabException("cannot statfs " + poolFile.getParent() + ": " + e.getMessage(), e);
        }
    }

    /** The node daemon's own view of the pool now: mappers, resident bytes, saved bytes. */
    public NodePoolState measure() {
        return service.status().state();
    }

    /** sha256 of the pool file as it is now (a guest must never change it). */
    public String sha256() {
        try (var in = Files.newInputStream(poolFile)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new LabException("cannot hash " + poolFile + ": " + e.getMessage(), e);
        }
    }

    /** Unmounts the pool's tmpfs (call after every guest that maps it is gone). */
    @Override
    public void close() {
        unmountQuietly(service);
    }

    private static void unmountQuietly(PoolService service) {
        try {
            service.store().unmount();
        } catch (IOException | RuntimeException e) {
            System.err.println("libpool-e2e: could not unmount " + service.store().dir() + ": " + e.getMessage());
        }
    }
}
