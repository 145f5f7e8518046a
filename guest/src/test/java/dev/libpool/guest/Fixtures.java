package dev.libpool.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** KubeVirt's test data, copied into the test resources (licence note: kubevirt/README.md there). */
final class Fixtures {

    /** The module's own copy: a clone of the repository alone must build and pass its tests. */
    static final Path ROOT = Path.of("src/test/resources/dev/libpool/guest").toAbsolutePath();
    static final Path DOMAIN_XML = ROOT.resolve("kubevirt/domain-xml");
    static final Path VMI_HOST_DISK = ROOT.resolve("kubevirt/vm-examples/vmi-host-disk.yaml");

    private Fixtures() {
    }

    static List<Path> domainXmls() {
        try (Stream<Path> files = Files.list(DOMAIN_XML)) {
            return files.filter(f -> f.toString().endsWith(".xml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("fixtures missing at " + DOMAIN_XML, e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
