package dev.libpool.node;

import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.pool.PoolService;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** {@code pool build|status FILE}: the daemon core on this host without Kubernetes. */
final class PoolCommand {

    private final HostPaths paths;
    private final PrintStream out = System.out;

    PoolCommand(HostPaths paths) {
        this.paths = paths;
    }

    int run(String action, Path file) throws IOException {
        SharedLibraryPool pool = read(file);
        PoolService service = PoolService.onHost(pool, "file:" + file.toAbsolutePath().normalize(), paths);
        PoolService.Result result = action.equals("build") ? service.reconcile() : service.status();
        print(result.state());
        return result.ready() ? 0 : 1;
    }

    static SharedLibraryPool read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException(file + " is not a readable file: give the path of a SharedLibraryPool YAML");
        }
        try (InputStream in = Files.newInputStream(file)) {
            Object parsed = new KubernetesSerialization().unmarshal(in, SharedLibraryPool.class);
            if (!(parsed instanceof SharedLibraryPool pool) || pool.getMetadata() == null) {
                throw new IOException(file + " is not a SharedLibraryPool (apiVersion libpool.dev/v1alpha1) with metadata.name");
            }
            if (pool.getMetadata().getGeneration() == null) {
                pool.getMetadata().setGeneration(1L); // a YAML file has no API server to count generations
            }
            return pool;
        }
    }

    private void print(NodePoolState s) {
        out.printf("pool %s: %s (%s)%n", s.getName(), s.getState(), s.getReason());
        row("message", s.getMessage());
        row("file", s.getPath());
        if (s.getImage() != null) {
            row("digest", s.getImage().getDigest());
            row("size", mib(s.getImage().getSizeBytes()) + " (the virtio-pmem device size)");
            if (s.getImage().getLibraryCount() != null) {
                row("libraries", s.getImage().getLibraryCount() + " files, " + mib(s.getImage().getLibraryBytes()));
            }
        }
        row("generation", s.getObservedGeneration() == null ? null : String.valueOf(s.getObservedGeneration()));
        row("mappers", s.getMappers() == null ? null : s.getMappers() + " process(es)");
        row("resident", mib(s.getResidentBytes()));
        row("saved", s.getSavedBytes() == null ? null : mib(s.getSavedBytes()) + " (sum of mappers' Rss - resident)");
        row("retained", s.getRetainedGenerations() == null ? null : s.getRetainedGenerations() + " older generation(s) still mapped");
    }

    private void row(String label, String value) {
        if (value != null) {
            out.printf("  %-11s %s%n", label, value);
        }
    }

    static String mib(Long bytes) {
        return bytes == null ? null : String.format(Locale.ROOT, "%.1f MiB (%d bytes)", bytes / 1048576.0, bytes);
    }
}
