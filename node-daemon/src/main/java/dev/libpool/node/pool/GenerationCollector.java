package dev.libpool.node.pool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Removes generations no process maps any more. The current generation always stays, a mapped one stays
 * (a running QEMU still uses it), everything else goes. Matching is by device+inode, never by path.
 */
public final class GenerationCollector {

    private static final Logger LOG = Logger.getLogger(GenerationCollector.class.getName());

    /** What one collection did. */
    public record Result(List<Path> removed, List<Path> retained) {
    }

    private final ProcMaps procMaps;

    public GenerationCollector(ProcMaps procMaps) {
        this.procMaps = procMaps;
    }

    /** The decision alone: files that are neither current nor mapped. */
    public static List<Path> removable(Map<Path, FileKey> files, Optional<FileKey> current, Set<FileKey> mapped) {
        List<Path> out = new ArrayList<>();
        files.forEach((file, key) -> {
            if (!current.map(key::equals).orElse(false) && !mapped.contains(key)) {
                out.add(file);
            }
        });
        return out;
    }

    public Result collect(PoolStore store) throws IOException {
        return collect(store, procMaps.snapshot());
    }

    /** As {@link #collect(PoolStore)}, with the mappings of a /proc walk already made in this pass. */
    public Result collect(PoolStore store, ProcMaps.Snapshot maps) throws IOException {
        Map<Path, FileKey> files = new LinkedHashMap<>();
        for (Path f : store.generations()) {
            files.put(f, FileKey.of(f));
        }
        for (Path f : store.temporaryFiles()) {
            files.put(f, FileKey.of(f));
        }
        Optional<FileKey> current = store.currentDigest().map(store::generationFile).map(GenerationCollector::keyOrNull);
        Set<FileKey> mapped = new HashSet<>();
        maps.mappers(new HashSet<>(files.values())).values().forEach(mapped::addAll);
        List<Path> removed = removable(files, current, mapped);
        for (Path f : removed) {
            store.remove(f);
            LOG.info(() -> "removed unmapped pool generation " + f);
        }
        List<Path> retained = new ArrayList<>();
        files.forEach((f, key) -> {
            if (mapped.contains(key) && !current.map(key::equals).orElse(false)) {
                retained.add(f);
            }
        });
        return new Result(removed, retained);
    }

    private static FileKey keyOrNull(Path file) {
        try {
            return FileKey.of(file);
        } catch (IOException e) {
            return null;
        }
    }
}
