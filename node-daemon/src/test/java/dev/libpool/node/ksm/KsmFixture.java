package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmSpec;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Writable copies of the sysfs/proc fixture trees under src/test/resources/ksm, and pool builders. */
final class KsmFixture {
    private KsmFixture() { }

    /** Copies resources/ksm/{name} to target/{name} and returns the copy. */
    static Path copy(String name, Path target) {
        try {
            Path source = Path.of(KsmFixture.class.getResource("/ksm/" + name).toURI());
            Path destination = target.resolve(name);
            try (Stream<Path> files = Files.walk(source)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Path to = destination.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            return destination;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file of a directory and its content, to assert that nothing was written. */
    static Map<String, String> contents(Path dir) {
        Map<String, String> contents = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(p)) {
                    contents.put(p.getFileName().toString(), Files.readString(p).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return contents;
    }

    static String read(Path dir, String file) {
        try {
            return Files.readString(dir.resolve(file)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path dir, String file, String value) {
        try {
            Files.writeString(dir.resolve(file), value + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SharedLibraryPool pool(String name, String created, KsmSpec ksm) {
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).withCreationTimestamp(created).build());
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
        spec.setKsm(ksm);
        pool.setSpec(spec);
        return pool;
    }

    static KsmSpec policy(KsmSpec.KsmPolicy policy) {
        KsmSpec spec = new KsmSpec();
        spec.setPolicy(policy);
        return spec;
    }

    static KsmSpec staticSpec(int pages, int sleep) {
        KsmSpec spec = policy(KsmSpec.KsmPolicy.Static);
        spec.setPagesToScan(pages);
        spec.setSleepMillisecs(sleep);
        return spec;
    }

    static KsmReading reading(Path sysfsDir) {
        try {
            return new KsmSysfs(sysfsDir, 4096).read();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
