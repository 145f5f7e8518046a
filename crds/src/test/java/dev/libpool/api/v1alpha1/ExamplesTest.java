package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static dev.libpool.api.v1alpha1.ApiSerializationTest.SERIALIZATION;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every libpool object under examples/ is accepted by the generated schema (structure and CEL rules, after
 * defaulting), and objects that break a rule are rejected with that rule's message.
 */
class ExamplesTest {
    static final Path EXAMPLES = Path.of("..", "examples");
    static final CrdValidator POOLS = CrdValidator.of(GeneratedCrd.POOLS);
    static final CrdValidator REPORTS = CrdValidator.of(GeneratedCrd.REPORTS);

    /** One libpool object of an examples/ file (other kinds, such as VirtualMachines, are not ours to check). */
    record ExampleObject(Path file, int index, JsonNode object) {
        @Override
        public String toString() {
            return file.getFileName() + "#" + index + " (" + object.path("kind").asText() + ")";
        }
    }

    static List<ExampleObject> examples() throws IOException {
        List<ExampleObject> objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList()) {
                List<JsonNode> docs = GeneratedCrd.YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll();
                for (int i = 0; i < docs.size(); i++) {
                    if (docs.get(i).path("apiVersion").asText().startsWith(SharedLibraryPool.GROUP + "/")) {
                        objects.add(new ExampleObject(file, i, docs.get(i)));
                    }
                }
            }
        }
        return objects;
    }

    @Test
    void examplesCoverEveryKsmPolicyAndTheDemo() throws IOException {
        assertThat(examples()).extracting(e -> e.file().getFileName().toString())
                .contains("basic-pool.yaml", "ksm-static-pool.yaml", "ksm-adaptive-pool.yaml", "ksm-advisor-pool.yaml",
                        "demo-pool.yaml");
        assertThat(examples()).extracting(e -> e.object().at("/spec/ksm/policy").asText("Unmanaged"))
                .contains("Unmanaged", "Static", "Adaptive", "Advisor");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void exampleIsValid(ExampleObject example) {
        String kind = example.object().path("kind").asText();
        Class<? extends HasMetadata> type = switch (kind) {
            case "SharedLibraryPool" -> SharedLibraryPool.class;
            case "NodePoolReport" -> NodePoolReport.class;
            default -> throw new AssertionError(example + ": unknown libpool kind " + kind);
        };
        CrdValidator validator = type == SharedLibraryPool.class ? POOLS : REPORTS;
        assertThat(validator.violations(example.object())).as("violations of %s", example).isEmpty();
        assertThat(SERIALIZATION.unmarshal(example.object().toString(), type).getMetadata().getName())
                .as("%s deserializes into the model", example).isEqualTo(example.object().at("/metadata/name").asText());
    }

    @Test
    void demoPoolIsWhatTheDemoNeeds() throws IOException {
        SharedLibraryPool demo = SERIALIZATION.unmarshal(Files.readString(EXAMPLES.resolve("demo-pool.yaml")),
                SharedLibraryPool.class);
        assertThat(demo.getMetadata().getName()).isEqualTo("demo");
        assertThat(demo.getSpec().getSource().getDiskImage().getPath()).as("the guests' own root disk image")
                .isEqualTo("/var/lib/libpool-demo/guest-root.img");
        // The demo's guest root keeps its libraries in the default directories; a small maxSize keeps the
        // virtio-pmem device (and the struct pages every guest pays for it) small.
        assertThat(demo.getSpec().effectiveInclude()).isEqualTo(SharedLibraryPoolSpec.DEFAULT_INCLUDE);
        assertThat(demo.getSpec().getMaxSize().getNumericalAmount())
                .isLessThanOrEqualTo(new io.fabric8.kubernetes.api.model.Quantity("512Mi").getNumericalAmount());
        assertThat(demo.getSpec().getKsm().getPolicy()).isEqualTo(KsmSpec.KsmPolicy.Unmanaged);
        assertThat(demo.getSpec().getNamespaceSelector().getMatchLabels()).isNullOrEmpty();
    }

    @Test
    void fullReportFixtureIsValid() throws IOException {
        assertThat(REPORTS.violations(GeneratedCrd.YAML.readTree(TestResources.read("full-node-pool-report.yaml"))))
                .isEmpty();
    }

    /** A valid pool changed to break one rule, and the message the API server answers with. */
    record Rejected(String name, Consumer<ObjectNode> change, String expectedMessage) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Rejected> rejected() {
        return List.of(
                new Rejected("name longer than 55", p -> meta(p).put("name", "p".repeat(56)),
                        "metadata.name must be at most 55 characters"),
                new Rejected("name with a dot", p -> meta(p).put("name", "debian.12"),
                        "metadata.name must not contain dots"),
                new Rejected("hostPath and diskImage", p -> obj(p, "spec", "source").putObject("diskImage")
                        .put("path", "/var/lib/images/debian-12.qcow2"),
                        "set exactly one of source.hostPath, source.diskImage or source.containerDisk"),
                new Rejected("no source", p -> obj(p, "spec", "source").remove("hostPath"),
                        "set exactly one of source.hostPath, source.diskImage or source.containerDisk"),
                new Rejected("diskImage and containerDisk", p -> {
                    obj(p, "spec", "source").remove("hostPath");
                    obj(p, "spec", "source").putObject("diskImage").put("path", "/var/lib/images/debian-12.qcow2");
                    obj(p, "spec", "source").putObject("containerDisk").put("image", "quay.io/containerdisks/debian:12");
                }, "set exactly one of source.hostPath, source.diskImage or source.containerDisk"),
                new Rejected("relative diskImage path", p -> {
                    obj(p, "spec", "source").remove("hostPath");
                    obj(p, "spec", "source").putObject("diskImage").put("path", "debian-12.qcow2");
                }, "spec.source.diskImage.path: does not match the regex pattern"),
                new Rejected("partition 0", p -> {
                    obj(p, "spec", "source").remove("hostPath");
                    obj(p, "spec", "source").putObject("diskImage").put("path", "/d.img").put("partition", 0);
                }, "spec.source.diskImage.partition: must have a minimum value of 1"),
                new Rejected("unknown filesystem", p -> {
                    obj(p, "spec", "source").remove("hostPath");
                    obj(p, "spec", "source").putObject("diskImage").put("path", "/d.img").put("filesystem", "ntfs");
                }, "spec.source.diskImage.filesystem: does not have a value in the enumeration"),
                new Rejected("containerDisk path with ..", p -> {
                    obj(p, "spec", "source").remove("hostPath");
                    obj(p, "spec", "source").putObject("containerDisk").put("image", "quay.io/containerdisks/debian:12")
                            .put("path", "/disk/../etc/shadow");
                }, "spec.source.containerDisk.path: does not match the regex pattern"),
                new Rejected("containerDisk without image", p -> {
                    obj(p, "spec", "source").remove("hostPath");
                    obj(p, "spec", "source").putObject("containerDisk").put("path", "/disk/d.qcow2");
                }, "required property 'image' not found"),
                new Rejected("absolute include glob", p -> obj(p, "spec").putArray("include").add("/usr/lib/**/*.so*"),
                        "include: every glob must be non-empty and relative"),
                new Rejected("empty exclude glob", p -> obj(p, "spec").putArray("exclude").add(""),
                        "exclude: every glob must be non-empty and relative"),
                // Issue 14: accepted before, and only ended as NothingSelected on the node.
                new Rejected("include glob climbing out of the root", p -> obj(p, "spec").putArray("include")
                        .add("../../etc/*"), "include: a glob must not have a .. segment"),
                new Rejected("include glob with .. inside", p -> obj(p, "spec").putArray("include")
                        .add("usr/lib/../../etc/*"), "include: a glob must not have a .. segment"),
                new Rejected("include glob ending in ..", p -> obj(p, "spec").putArray("include")
                        .add("usr/.."), "include: a glob must not have a .. segment"),
                new Rejected("exclude glob with ..", p -> obj(p, "spec").putArray("exclude").add("usr/../x"),
                        "exclude: a glob must not have a .. segment"),
                new Rejected("glob longer than 1024", p -> obj(p, "spec").putArray("include")
                        .add("usr/lib/" + "x".repeat(1020)), "spec.include.0: must be at most 1024 characters"),
                new Rejected("hostPath with ..", p -> obj(p, "spec", "source", "hostPath").put("path",
                        "/var/lib/../../etc"), "source.hostPath.path must not have a .. segment"),
                new Rejected("hostPath ending in ..", p -> obj(p, "spec", "source", "hostPath").put("path",
                        "/var/lib/.."), "source.hostPath.path must not have a .. segment"),
                new Rejected("maxSize zero", p -> obj(p, "spec").put("maxSize", "0"), "maxSize must be a positive quantity"),
                new Rejected("maxSize negative bytes", p -> obj(p, "spec").put("maxSize", -1),
                        "maxSize must be a positive quantity"),
                new Rejected("maxSize above 1Ti", p -> obj(p, "spec").put("maxSize", "2Ti"),
                        "maxSize must be a positive quantity"),
                new Rejected("maxSize above 1Ti in bytes", p -> obj(p, "spec").put("maxSize", 1099511627777L),
                        "maxSize must be a positive quantity"),
                new Rejected("maxSize not a quantity", p -> obj(p, "spec").put("maxSize", "lots"),
                        "maxSize must be a positive quantity"),
                new Rejected("Static without pagesToScan", p -> obj(p, "spec", "ksm").put("policy", "Static")
                        .put("sleepMillisecs", 20), "ksm.policy Static needs ksm.pagesToScan and ksm.sleepMillisecs"),
                new Rejected("advisor block with Static", p -> obj(p, "spec", "ksm").put("policy", "Static")
                        .put("pagesToScan", 100).put("sleepMillisecs", 20).putObject("advisor"),
                        "ksm.advisor is only used with ksm.policy Advisor"),
                new Rejected("adaptive block with Advisor", p -> obj(p, "spec", "ksm").put("policy", "Advisor")
                        .putObject("adaptive"), "ksm.adaptive is only used with ksm.policy Adaptive"),
                new Rejected("pagesToScan with Advisor", p -> obj(p, "spec", "ksm").put("policy", "Advisor")
                        .put("pagesToScan", 100), "ksm.pagesToScan is only used with ksm.policy Static or Adaptive"),
                new Rejected("knobs with Unmanaged", p -> obj(p, "spec", "ksm").put("useZeroPages", true),
                        "ksm.policy Unmanaged and Off write no KSM knobs"),
                // minPages above the DEFAULT maxPages: the rule sees the defaulted object, as on the API server.
                new Rejected("adaptive minPages above the default maxPages", p -> obj(p, "spec", "ksm")
                        .put("policy", "Adaptive").putObject("adaptive").put("minPages", 2000),
                        "ksm.adaptive.minPages must not exceed ksm.adaptive.maxPages"),
                new Rejected("advisor min above max", p -> obj(p, "spec", "ksm").put("policy", "Advisor")
                        .putObject("advisor").put("minPagesToScan", 900).put("maxPagesToScan", 800),
                        "ksm.advisor.minPagesToScan must not exceed ksm.advisor.maxPagesToScan"),
                new Rejected("unknown medium", p -> obj(p, "spec").put("medium", "ramfs"), "spec.medium: does not have a value in the enumeration"),
                new Rejected("missing namespaceSelector", p -> obj(p, "spec").remove("namespaceSelector"),
                        "required property 'namespaceSelector' not found"),
                new Rejected("misspelt field", p -> obj(p, "spec").put("maxsize", "1Gi"), "maxsize"),
                new Rejected("relative hostPath", p -> obj(p, "spec", "source", "hostPath").put("path", "guest-root"),
                        "spec.source.hostPath.path: does not match the regex pattern"),
                new Rejected("guest mount path /", p -> obj(p, "spec", "attach").put("guestMountPath", "/"),
                        "spec.attach.guestMountPath: does not match the regex pattern"),
                new Rejected("guest mount path with ..", p -> obj(p, "spec", "attach").put("guestMountPath", "/run/../etc"),
                        "spec.attach.guestMountPath: does not match the regex pattern"),
                new Rejected("pagesToScan above the kernel's limit", p -> obj(p, "spec", "ksm").put("policy", "Static")
                        .put("pagesToScan", 100001).put("sleepMillisecs", 20), "spec.ksm.pagesToScan: must have a maximum value of 100000"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void brokenPoolIsRejectedWithItsRuleMessage(Rejected broken) throws IOException {
        ObjectNode pool = (ObjectNode) GeneratedCrd.YAML.readTree(EXAMPLES.resolve("basic-pool.yaml").toFile());
        assertThat(POOLS.violations(pool)).as("the unchanged basic pool").isEmpty();

        broken.change().accept(pool);

        assertThat(POOLS.violations(pool)).anyMatch(v -> v.contains(broken.expectedMessage()));
    }

    /** Dots inside names are not .. segments: these globs and paths stay valid. */
    @Test
    void dotsInsideNamesAreAccepted() throws IOException {
        ObjectNode pool = (ObjectNode) GeneratedCrd.YAML.readTree(EXAMPLES.resolve("basic-pool.yaml").toFile());
        obj(pool, "spec").putArray("include").add("usr/lib/..hidden/*.so").add("usr/lib/lib..so").add("./usr/lib/*.so*")
                .add("usr/lib/" + "x".repeat(1016));
        obj(pool, "spec").putArray("exclude").add("opt/a../b");
        obj(pool, "spec", "source", "hostPath").put("path", "/var/lib/..guest-root..");
        assertThat(POOLS.violations(pool)).isEmpty();
    }

    @Test
    void everyModelRuleHasARejectedCase() {
        for (ValidationRule rule : ModelValidationRules.all()) {
            assertThat(rejected()).as("a rejected case for the rule %s", rule.value())
                    .anyMatch(r -> rule.message().startsWith(r.expectedMessage()));
        }
    }

    private static ObjectNode meta(ObjectNode pool) {
        return obj(pool, "metadata");
    }

    private static ObjectNode obj(ObjectNode root, String... path) {
        ObjectNode node = root;
        for (String field : path) {
            node = node.has(field) ? (ObjectNode) node.get(field) : node.putObject(field);
        }
        return node;
    }
}
