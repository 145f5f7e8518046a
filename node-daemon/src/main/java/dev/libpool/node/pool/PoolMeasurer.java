package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.node.host.Natives;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** Who maps the pool and what it saves: Rss/Pss from smaps of each mapper, residency from mincore or hugetlbfs usage. */
public final class PoolMeasurer {

    private final ProcMaps procMaps;
    private final Natives natives;

    public PoolMeasurer(ProcMaps procMaps, Natives natives) {
        this.procMaps = procMaps;
        this.natives = natives;
    }

    public PoolUsage measure(PoolStore store) throws IOException {
        Map<FileKey, Path> files = new HashMap<>();
        for (Path gen : store.generations()) {
            files.put(FileKey.of(gen), gen);
        }
        if (Files.exists(store.stableFile())) {
            files.putIfAbsent(FileKey.of(store.stableFile()), store.stableFile());
        }
        Map<Long, Set<FileKey>> mappers = procMaps.mappers(files.keySet());
        long rss = 0, pss = 0;
        for (long pid : mappers.keySet()) {
            SmapsUsage usage = SmapsUsage.of(procMaps.smaps(pid), files.keySet());
            rss += usage.rssBytes();
            pss += usage.pssBytes();
        }
        return new PoolUsage(mappers.size(), rss, pss, resident(store, files.values()), Set.copyOf(mappers.keySet()));
    }

    /**
     * tmpfs: mincore(2) over each generation (page cache residency, holes and swapped pages excluded).
     * hugetlbfs: mincore only sees the caller's own page tables there, but huge pages are never swapped and
     * the mount holds nothing else, so the mount's used space is exactly what is resident.
     */
    private long resident(PoolStore store, Collection<Path> files) throws IOException {
        if (store.medium() == PoolMedium.hugetlbfs) {
            FileStore fs = Files.getFileStore(store.dir());
            return fs.getTotalSpace() - fs.getUnallocatedSpace();
        }
        long resident = 0;
        for (Path file : files) {
            resident += natives.residentBytes(file);
        }
        return resident;
    }
}
