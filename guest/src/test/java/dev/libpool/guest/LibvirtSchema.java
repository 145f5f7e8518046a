package dev.libpool.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** libvirt's own domain schema check: {@code virt-xml-validate FILE domain}. */
final class LibvirtSchema {

    private LibvirtSchema() {
    }

    static boolean available() {
        return Processes.onPath("virt-xml-validate") && Processes.onPath("xmllint");
    }

    static Processes.Result validate(String domainXml) {
        try {
            Path file = Files.createTempFile("domain", ".xml");
            try {
                Files.writeString(file, domainXml);
                Processes.Result result = Processes.run(List.of("virt-xml-validate", file.toString(), "domain"));
                return new Processes.Result(result.exitCode(), result.stdout().replace(file.toString(), "FILE"),
                        result.stderr().replace(file.toString(), "FILE"));
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema errors, without line numbers (they move when elements are added or removed). */
    static Set<String> errors(String domainXml) {
        Processes.Result result = validate(domainXml);
        return Arrays.stream((result.stdout() + "\n" + result.stderr()).split("\n"))
                .map(line -> line.replaceAll("FILE:\\d+:", "FILE:").trim())
                .filter(line -> !line.isEmpty() && !line.endsWith("validates") && !line.endsWith("fails to validate"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * KubeVirt's domain XML as libvirt's parser reads it but its (stricter) schema does not: KubeVirt
     * renders empty {@code <bios/>, <baseBoard/>, <chassis/>} sysinfo sections and a {@code name}
     * attribute on block disk sources, which libvirt ignores.
     */
    static String schemaClean(String kubevirtDomainXml) {
        return kubevirtDomainXml
                .replaceAll("\\s*<(bios|baseBoard|chassis)></\\1>", "")
                .replaceAll("(<source dev=\"[^\"]*\") name=\"[^\"]*\"", "$1");
    }
}
