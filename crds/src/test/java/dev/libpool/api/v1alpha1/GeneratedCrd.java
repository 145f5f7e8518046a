package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A CRD as the build generated it from the model (crd-generator-maven-plugin, process-classes phase). */
record GeneratedCrd(Path file, JsonNode crd) {
    static final Path GENERATED_DIR = Path.of("target", "crds");
    static final String POOLS = "sharedlibrarypools.libpool.dev-v1.yml";
    static final String REPORTS = "nodepoolreports.libpool.dev-v1.yml";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static GeneratedCrd load(String fileName) {
        Path file = GENERATED_DIR.resolve(fileName);
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " is missing: run the tests through Maven "
                    + "(./mvnw -B -o -pl crds test), whose process-classes phase generates the CRDs from the model");
        }
        return new GeneratedCrd(file, readYaml(file));
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    JsonNode openApiV3Schema() {
        return crd.path("spec").path("versions").path(0).path("schema").path("openAPIV3Schema");
    }

    JsonNode version() {
        return crd.path("spec").path("versions").path(0);
    }
}
