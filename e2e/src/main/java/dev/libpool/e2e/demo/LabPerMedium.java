package dev.libpool.e2e.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.e2e.lab.GuestLab;
import dev.libpool.e2e.lab.LabException;
import dev.libpool.e2e.lab.LabOptions;
import dev.libpool.e2e.lab.Progress;
import dev.libpool.node.pool.PoolGeometry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One {@link GuestLab} at a time, its pool built from the demo's pool YAML on the medium the running mode needs:
 * the lab is reopened (libvirtd sees only the mounts that exist when it starts) when the medium changes. A
 * hugetlbfs lab first reserves the huge pages its pool needs and gives them back when it closes.
 */
final class LabPerMedium implements AutoCloseable {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path workDir;
    private final Path poolManifest;
    private final Progress progress;
    private GuestLab lab;
    private PoolMedium medium;
    private HugePages hugePages;

    LabPerMedium(Path workDir, Path poolManifest, Progress progress) {
        this.workDir = workDir;
        this.poolManifest = poolManifest;
        this.progress = progress;
    }

    /** Makes {@link #lab()} serve a pool on {@code wanted}; empty, or why this machine cannot. */
    synchronized Optional<String> open(PoolMedium wanted) {
        if (lab != null && medium == wanted) {
            return Optional.empty();
        }
        close();
        if (wanted == PoolMedium.hugetlbfs) {
            HugePages.Reservation reservation = HugePages.reserve(PoolGeometry.mediumSizeBytes(readPool()
                    .getSpec().getMaxSize()));
            if (reservation.pages().isEmpty()) {
                return Optional.of("no huge pages for a hugetlbfs pool: " + reservation.whyNot());
            }
            hugePages = reservation.pages().get();
        }
        medium = wanted;
        lab = GuestLab.open(LabOptions.withPool(workDir.resolve("lab-" + wanted.name())).poolFrom(poolManifest)
                .medium(wanted), progress);
        return Optional.empty();
    }

    GuestLab lab() {
        return lab;
    }

    /** The medium of the open lab's pool; null when none is open. */
    synchronized PoolMedium medium() {
        return lab == null ? null : medium;
    }

    private SharedLibraryPool readPool() {
        try {
            return YAML.readValue(poolManifest.toFile(), SharedLibraryPool.class);
        } catch (IOException e) {
            throw new LabException("cannot read " + poolManifest + ": " + e.getMessage(), e);
        }
    }

    /** Closes the open lab (guests, libvirtd, pool) and gives reserved huge pages back; idempotent. */
    @Override
    public synchronized void close() {
        if (lab != null) {
            lab.close();
            lab = null;
        }
        if (hugePages != null) {
            hugePages.close();
            progress.step("huge pages", "vm.nr_hugepages back to " + hugePages.original());
            hugePages = null;
        }
    }
}
