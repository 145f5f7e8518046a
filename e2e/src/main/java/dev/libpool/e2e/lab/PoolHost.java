package dev.libpool.e2e.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.libpool.api.v1alpha1.LearnedLayout;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.pool.FileDigest;
import dev.libpool.node.pool.PoolMeasurer;
import dev.libpool.node.pool.PoolService;
import dev.libpool.node.pool.PoolUsage;
import dev.libpool.node.pool.ProcMaps;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * The lab's pool, built and published by the node daemon's own code in standalone mode (no Kubernetes):
 * a SharedLibraryPool YAML whose source is the guest root tree, {@link PoolService#reconcile()}, and the
 * result on a real tmpfs at {@code <state>/pools/<pool>/pool.img}. Closing unmounts the tmpfs.
 */
public final class PoolHost implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final PoolService service;
    private final PoolMeasurer measurer = new PoolMeasurer(new ProcMaps(Path.of("/proc")), new JnaNatives());
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
        return buildFrom(name, "hostPath", sourceRoot, List.of(), maxSize, stateDir, yaml, progress);
    }

    /**
     * The same from a guest disk image (spec.source.diskImage, qcow2 or raw): the node daemon reads the image
     * in user space, so the pool holds exactly the libraries the guests booting that image have.
     *
     * @param include spec.include globs (empty: the usual library directories)
     */
    public static PoolHost fromDiskImage(String name, Path image, List<String> include, String maxSize, Path stateDir,
                                         Path yaml, Progress progress) {
        return buildFrom(name, "diskImage", image, include, maxSize, stateDir, yaml, progress);
    }

    private static PoolHost buildFrom(String name, String sourceKind, Path source, List<String> include, String maxSize,
                                      Path stateDir, Path yaml, Progress progress) {
        GuestKernel.write(yaml, """
                apiVersion: libpool.dev/v1alpha1
                kind: SharedLibraryPool
                metadata:
                  name: %s
                  generation: 1
                spec:
                  source:
                    %s:
                      path: %s
                  include: [%s]
                  maxSize: %s
                  namespaceSelector: {}
                """.formatted(name, sourceKind, source.toAbsolutePath(), String.join(", ",
                include.stream().map(glob -> "\"" + glob + "\"").toList()), maxSize));
        return publish(yaml, null, stateDir, progress);
    }

    /**
     * Builds the pool a user's SharedLibraryPool YAML describes (e.g. examples/demo-pool.yaml), used as written:
     * the lab places what its source names by a symbolic link, the guests' root disk image at
     * source.diskImage.path (the pool then holds exactly what the guests boot), or the guest root tree at
     * source.hostPath.path.
     *
     * @param medium null: spec.medium as written; else this medium instead (the demo measures each one), and
     *               for PageCache with learnedLayout Dense (what guests touch laid out together)
     */
    public static PoolHost fromManifest(Path yaml, PoolMedium medium, GuestRoot guestRoot, Path stateDir, Progress progress) {
        var source = read(yaml).getSpec().getSource();
        if (source.getDiskImage() != null) {
            link(yaml, Path.of(source.getDiskImage().getPath()), guestRoot.image(), "source.diskImage.path");
        } else if (source.getHostPath() != null) {
            link(yaml, Path.of(source.getHostPath().getPath()), guestRoot.tree(), "source.hostPath.path");
        } else {
            throw new LabException(yaml + ": the lab needs spec.source.diskImage.path or spec.source.hostPath.path");
        }
        return publish(yaml, medium, stateDir, progress);
    }

    private static void link(Path yaml, Path at, Path target, String field) {
        try {
            if (Files.exists(at, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(at)) {
                throw new LabException(yaml + " takes its libraries from " + at + ", where the lab would link "
                        + target.getFileName() + ", but a real file or directory is there: move it away or edit " + field);
            }
            Files.createDirectories(at.getParent());
            Files.deleteIfExists(at);
            Files.createSymbolicLink(at, target.toAbsolutePath());
        } catch (IOException e) {
            throw new LabException("cannot link " + target + " at " + at + ": " + e.getMessage(), e);
        }
    }

    private static PoolHost publish(Path yaml, PoolMedium medium, Path stateDir, Progress progress) {
        SharedLibraryPool pool = read(yaml);
        if (medium != null) {
            pool.getSpec().setMedium(medium);
            pool.getSpec().setLearnedLayout(medium == PoolMedium.PageCache ? LearnedLayout.Dense : LearnedLayout.Off);
        }
        String name = pool.getMetadata().getName();
        var source = pool.getSpec().getSource();
        String from = source.getHostPath() != null ? source.getHostPath().getPath()
                : source.getDiskImage() != null ? "disk image " + source.getDiskImage().getPath() : "its source";
        progress.step("pool " + name, "building " + yaml + " from " + from
                + " with the node daemon, medium " + pool.getSpec().getMedium() + ", learnedLayout "
                + pool.getSpec().getLearnedLayout() + " (state " + stateDir + ")");
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

    private static SharedLibraryPool read(Path yaml) {
        try {
            SharedLibraryPool pool = YAML.readValue(yaml.toFile(), SharedLibraryPool.class);
            if (pool.getSpec().getSource() == null) {
                throw new LabException(yaml + ": the lab needs spec.source");
            }
            return pool;
        } catch (IOException e) {
            throw new LabException("cannot read the pool YAML " + yaml + ": " + e.getMessage(), e);
        }
    }

    /** A spec.maxSize with room for a pool of {@code sharedObjectBytes} of libraries (+20%, whole 16 Mi). */
    static String maxSizeFor(long sharedObjectBytes) {
        return (sharedObjectBytes * 6 / 5 / (16 << 20) + 1) * 16 + "Mi";
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

    public PoolMedium medium() {
        return service.store().medium();
    }

    /**
     * The node daemon's measurement of the pool now, as its node report takes it: mappers, their Rss and PSS
     * of the pool, and the bytes resident (mincore; hugetlbfs: the mount's usage).
     */
    public PoolUsage usage() {
        try {
            return measurer.measure(service.store());
        } catch (IOException e) {
            throw new LabException("cannot measure pool " + name() + ": " + e.getMessage(), e);
        }
    }

    /** The node daemon's own view of the pool now: mappers, resident bytes, saved bytes. */
    public NodePoolState measure() {
        return service.status().state();
    }

    /** One node daemon pass over the pool (build if needed, publish, collect, measure, learn), as the daemon runs it. */
    public NodePoolState reconcile() {
        return service.reconcile().state();
    }

    /** sha256 of the pool file as it is now (a guest must never change it). */
    public String sha256() {
        try {
            return FileDigest.sha256(poolFile);
        } catch (IOException e) {
            throw new LabException("cannot hash " + poolFile + ": " + e.getMessage(), e);
        }
    }

    /** Unmounts the pool's tmpfs or hugetlbfs (call after every guest that maps it is gone). */
    @Override
    public void close() {
        unmountQuietly(service);
    }

    /**
     * Takes the pool off the host: a mounted medium (tmpfs, hugetlbfs) is unmounted; a PageCache pool's files,
     * immutable on the state dir's disk, are unprotected and removed.
     */
    private static void unmountQuietly(PoolService service) {
        try {
            if (service.store().medium().mounted()) {
                service.store().unmount();
            } else {
                for (Path generation : service.store().generations()) {
                    service.store().remove(generation);
                }
                Files.deleteIfExists(service.store().stableFile());
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("libpool-e2e: could not remove the pool at " + service.store().dir() + ": " + e.getMessage());
        }
    }
}
