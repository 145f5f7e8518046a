package dev.libpool.node.pool;

import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.Natives;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Removes from this host a pool the daemon owns that no longer selects the node (or no longer exists): once
 * no process maps any of its files, the files, their medium (the tmpfs or hugetlbfs is unmounted), the
 * learned and image records and the name claim go. While a QEMU still maps one, everything stays.
 */
public final class PoolTeardown {

    private static final Logger LOG = Logger.getLogger(PoolTeardown.class.getName());

    private final HostPaths paths;
    private final Natives natives;
    private final ProcMaps procMaps;

    public PoolTeardown(HostPaths paths, Natives natives) {
        this.paths = paths;
        this.natives = natives;
        this.procMaps = new ProcMaps(paths.proc());
    }

    /** The pools whose name this owner (e.g. "cluster") claimed on this host. */
    public List<String> owned(String ownerId) throws IOException {
        Path owners = paths.state().resolve("owners");
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(owners)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(owners)) {
                for (Path f : files) {
                    if (Files.readString(f, StandardCharsets.UTF_8).strip().equals(ownerId)) {
                        names.add(f.getFileName().toString());
                    }
                }
            }
        }
        return names;
    }

    /** Returns true when the pool is gone from this host, false while a process still maps one of its files. */
    public boolean tearDown(String pool) throws IOException {
        Path dir = paths.poolDir(pool);
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.toList();
            }
            Set<FileKey> keys = new HashSet<>();
            for (Path f : files) {
                keys.add(FileKey.of(f));
            }
            if (!procMaps.mappers(keys).isEmpty()) {
                return false;
            }
            PoolStore store = new PoolStore(dir, natives, pool, null, 0, "");
            for (Path f : files) {
                store.remove(f);
            }
            if (store.isMountPoint()) {
                natives.umount(dir, false);
            }
            Files.deleteIfExists(dir);
        }
        FileTrees.delete(paths.metaDir(pool));
        Files.deleteIfExists(paths.state().resolve("owners").resolve(pool));
        LOG.info(() -> "removed pool " + pool + " from this node: it no longer selects the node and nothing maps it");
        return true;
    }
}
