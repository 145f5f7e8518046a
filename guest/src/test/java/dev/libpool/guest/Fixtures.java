package dev.libpool.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared KubeVirt/libvirt fixtures, read in place (never copied into the project). */
final class Fixtures {

    /** Module dir is guest/, so the repository root is .., and the fixtures live beside it. */
    static final Path ROOT = Path.of("").toAbsolutePath().resolve("../../shared/fixtures").normalize();
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
