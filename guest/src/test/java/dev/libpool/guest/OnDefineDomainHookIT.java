package dev.libpool.guest;

import dev.libpool.api.v1alpha1.VmContract;
import static dev.libpool.guest.DomainXml.child;
import static dev.libpool.guest.DomainXml.children;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The onDefineDomain hook run as KubeVirt runs it (python3 subprocess) on the domain XML KubeVirt
 * really generates, with pool disks rendered as KubeVirt renders a hostDisk; outputs checked with
 * libvirt's own schema.
 */
class OnDefineDomainHookIT {

    private static final long MIB = 1024 * 1024;
    private static final long SIZE = 64 * MIB;
    private static final long EXTRA_SIZE = 6 * MIB;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void needsPython() {
        boolean present = Processes.onPath("python3");
        if (!present) {
            System.out.println("SKIP OnDefineDomainHookIT: python3 is not installed");
        }
        assumeTrue(present, "python3 is not installed");
    }

    /** Fixtures with guest RAM (<memory> or NUMA cells); the migration one is a fragment without. */
    static Stream<Path> domainsWithMemory() {
        return Fixtures.domainXmls().stream().filter(f -> {
            String xml = Fixtures.read(f);
            return xml.contains("<memory") || xml.contains("<cell");
        });
    }

    /** The fixture as a well-formed document (domain_numa_topology.xml ends in a stray backtick). */
    static String document(Path fixture) {
        String xml = Fixtures.read(fixture);
        return xml.substring(0, xml.lastIndexOf("</domain>") + "</domain>".length()) + "\n";
    }

    /** The VMI the sidecar receives: vmi-host-disk.yaml plus the pool volumes the operator adds. */
    static String vmiJson(Map<String, Long> annotatedSizes) {
        try {
            ObjectNode vmi = (ObjectNode) new YAMLMapper().readTree(Fixtures.VMI_HOST_DISK.toFile());
            ObjectNode annotations = ((ObjectNode) vmi.get("metadata")).putObject("annotations");
            ArrayNode disks = (ArrayNode) vmi.at("/spec/domain/devices/disks");
            ArrayNode volumes = (ArrayNode) vmi.at("/spec/volumes");
            annotatedSizes.forEach((pool, size) -> {
                annotations.put(VmContract.sizeAnnotation(pool), Long.toString(size));
                disks.addObject().put("name", VmContract.volumeName(pool)).putObject("disk").put("bus", "virtio");
                volumes.addObject().put("name", VmContract.volumeName(pool)).putObject("hostDisk")
                        .put("path", VmContract.poolFile(VmContract.DEFAULT_STATE_DIR, pool)).put("type", "Disk");
            });
            return JSON.writeValueAsString(vmi);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hook(String vmi, String domain) {
        Processes.Result result = HookRunner.run(vmi, domain);
        assertThat(result.exitCode()).as("hook failed: %s", result).isZero();
        assertThat(result.stderr()).isEmpty();
        return result.stdout();
    }

    @ParameterizedTest
    @MethodSource("domainsWithMemory")
    void replacesThePoolDiskWithAReadOnlyVirtioPmem(Path fixture) {
        String input = DomainXml.withPoolDisk(document(fixture), "base");
        String output = hook(vmiJson(Map.of("base", SIZE)), input);

        assertTransformed(input, output, Map.of("base", SIZE));
        assertThat(HookRunner.run(vmiJson(Map.of("base", SIZE)), output).stdout())
                .as("idempotent: a second run changes nothing").isEqualTo(output);
    }

    @ParameterizedTest
    @MethodSource("domainsWithMemory")
    void attachesTwoPoolsWithUniqueIds(Path fixture) {
        String input = DomainXml.withDisks(document(fixture),
                DomainXml.poolDisk("base", DomainXml.launcherPath("base"), "vdy"),
                DomainXml.poolDisk("extra-libs", DomainXml.launcherPath("extra-libs"), "vdz"));
        Map<String, Long> sizes = new LinkedHashMap<>();
        sizes.put("base", SIZE);
        sizes.put("extra-libs", EXTRA_SIZE);
        String output = hook(vmiJson(sizes), input);

        assertTransformed(input, output, sizes);
        Element maxMemory = child(DomainXml.parse(output).getDocumentElement(), "maxMemory");
        assertThat(Integer.parseInt(maxMemory.getAttribute("slots"))).isGreaterThanOrEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("domainsWithMemory")
    void leavesADomainWithoutPoolDisksUntouched(Path fixture) {
        String input = document(fixture);
        assertThat(hook(vmiJson(Map.of()), input)).isEqualTo(input);
    }

    @ParameterizedTest
    @MethodSource("domainsWithMemory")
    void everyOutputPassesLibvirtsSchema(Path fixture) {
        assumeSchema();
        String vmi = vmiJson(Map.of("base", SIZE));
        // The fixture exactly as KubeVirt renders it: the hook adds no schema error of its own.
        String raw = DomainXml.withPoolDisk(document(fixture), "base");
        assertThat(LibvirtSchema.errors(hook(vmi, raw))).isSubsetOf(LibvirtSchema.errors(raw));

        // Complete domains, cleaned of what libvirt's parser ignores, must validate before and after.
        String clean = LibvirtSchema.schemaClean(raw);
        if (LibvirtSchema.validate(clean).exitCode() == 0) {
            Processes.Result result = LibvirtSchema.validate(hook(vmi, clean));
            assertThat(result.exitCode()).as("%s", result).isZero();
        } else {
            System.out.println("INFO " + fixture.getFileName() + " is a domain fragment (no name/memory), "
                    + "checked for added schema errors only");
        }
    }

    @Test
    void theFullFixturesValidateAfterTwoPoolsAndAnExistingNumaSetup() {
        assumeSchema();
        String base = LibvirtSchema.schemaClean(document(Fixtures.DOMAIN_XML.resolve("domain_x86_64.xml")));
        String twoPools = DomainXml.withDisks(base,
                DomainXml.poolDisk("base", DomainXml.launcherPath("base"), "vdy"),
                DomainXml.poolDisk("extra-libs", DomainXml.launcherPath("extra-libs"), "vdz"));
        String output = hook(vmiJson(Map.of("base", SIZE, "extra-libs", EXTRA_SIZE)), twoPools);
        assertThat(LibvirtSchema.validate(output).exitCode()).as("%s", LibvirtSchema.validate(output)).isZero();

        String numa = hook(vmiJson(Map.of("base", SIZE)), DomainXml.withPoolDisk(withNumaAndMaxMemory(base), "base"));
        assertThat(LibvirtSchema.validate(numa).exitCode()).as("%s", LibvirtSchema.validate(numa)).isZero();
    }

    @Test
    void mergesWithAnExistingMaxMemoryAndNumaCells() {
        String base = document(Fixtures.DOMAIN_XML.resolve("domain_x86_64.xml"));
        String input = DomainXml.withPoolDisk(withNumaAndMaxMemory(base), "base");
        String output = hook(vmiJson(Map.of("base", SIZE)), input);

        assertTransformed(input, output, Map.of("base", SIZE));
        Element domain = DomainXml.parse(output).getDocumentElement();
        Element maxMemory = child(domain, "maxMemory");
        assertThat(maxMemory.getAttribute("slots")).as("the existing 4 slots plus one pool").isEqualTo("5");
        assertThat(bytes(maxMemory)).as("existing hotplug headroom kept, pool added").isEqualTo(16L * 1024 * MIB + SIZE);
        List<Element> cells = children(child(child(domain, "cpu"), "numa"), "cell");
        assertThat(cells).hasSize(1);
        assertThat(cells.get(0).getAttribute("memory")).isEqualTo("8192");
        assertThat(cells.get(0).getAttribute("unit")).isEqualTo("KiB");
    }

    @Test
    void appendsToAnExistingQemuCommandlineAndKeepsItsEntries() {
        String base = document(Fixtures.DOMAIN_XML.resolve("hooks_domain.xml"));
        String withArgs = base.replace("</domain>", "  <qemu:commandline>\n    <qemu:arg value=\"-no-user-config\"/>\n"
                + "    <qemu:env name=\"LIBPOOL_TEST\" value=\"1\"/>\n  </qemu:commandline>\n</domain>");
        String input = DomainXml.withPoolDisk(withArgs, "base");
        String output = hook(vmiJson(Map.of("base", SIZE)), input);

        assertTransformed(input, output, Map.of("base", SIZE));
        Document out = DomainXml.parse(output);
        assertThat(out.getElementsByTagNameNS(DomainXml.QEMU_NS, "commandline").getLength()).isEqualTo(1);
        assertThat(DomainXml.qemuArgs(out).get(0)).isEqualTo("-no-user-config");
        assertThat(((Element) out.getElementsByTagNameNS(DomainXml.QEMU_NS, "env").item(0)).getAttribute("name"))
                .isEqualTo("LIBPOOL_TEST");
    }

    @Test
    void takesTheSizeFromThePoolFileWhenTheHookSeesIt(@TempDir Path dir) throws IOException {
        Path pool = dir.resolve("pool.img");
        try (RandomAccessFile file = new RandomAccessFile(pool.toFile(), "rw")) {
            file.setLength(8 * MIB); // sparse, as the node daemon pads it
        }
        String disk = DomainXml.poolDisk("base", pool.toString(), "vdz");
        String input = DomainXml.withDisks(document(Fixtures.DOMAIN_XML.resolve("hooks_domain.xml")), disk);
        // The annotation disagrees on purpose: the real file wins.
        String output = hook(vmiJson(Map.of("base", SIZE)), input);

        assertThat(DomainXml.qemuArgs(DomainXml.parse(output)))
                .contains("memory-backend-file,id=libpool-base-mem,share=on,readonly=on,mem-path=" + pool
                        + ",size=" + 8 * MIB);
    }

    @Test
    void failsLoudlyWhenNoSizeIsKnown() {
        String input = DomainXml.withPoolDisk(document(Fixtures.DOMAIN_XML.resolve("hooks_domain.xml")), "base");
        assertFailsLoudly(HookRunner.run(vmiJson(Map.of()), input), "libpool.dev/size-base");
        assertFailsLoudly(HookRunner.run("{\"metadata\":{\"annotations\":{\"libpool.dev/size-base\":\"12abc\"}}}",
                input), "decimal");
        assertFailsLoudly(HookRunner.run("{\"metadata\":{\"annotations\":{\"libpool.dev/size-base\":\"1048576\"}}}",
                input), "multiple of 2 MiB");
        assertFailsLoudly(HookRunner.run("not json", input), "--vmi");
    }

    @Test
    void failsLoudlyOnXmlItCannotHandle() {
        String vmi = vmiJson(Map.of("base", SIZE));
        assertFailsLoudly(HookRunner.run(vmi, "<domain><devices>"), "does not parse");
        // The fixture as stored ends with a stray backtick after </domain>.
        assertFailsLoudly(HookRunner.run(vmi, Fixtures.read(Fixtures.DOMAIN_XML.resolve("domain_numa_topology.xml"))),
                "does not parse");
        assertFailsLoudly(HookRunner.run(vmi, "<network/>"), "<domain>");
        // A fragment without <memory> or NUMA cells: no way to size the device memory.
        String fragment = DomainXml.withPoolDisk(Fixtures.read(Fixtures.DOMAIN_XML.resolve("migration_domain.xml")),
                "base");
        assertFailsLoudly(HookRunner.run(vmi, fragment), "<memory>");
        String blockDisk = DomainXml.poolDisk("base", DomainXml.launcherPath("base"), "vdz")
                .replace("type=\"file\"", "type=\"block\"");
        assertFailsLoudly(HookRunner.run(vmi,
                DomainXml.withDisks(document(Fixtures.DOMAIN_XML.resolve("hooks_domain.xml")), blockDisk)), "file disk");
    }

    /**
     * The cloud-init volume the operator adds to a VM without one ({@link VmContract#CLOUD_INIT_VOLUME}) reaches
     * the hook as KubeVirt's converter renders a NoCloud volume: a raw file disk with alias ua-&lt;volume&gt;
     * (as ua-nocloud in domain_x86_64.xml). The hook must leave it to KubeVirt and still attach the pool.
     */
    @Test
    void leavesTheCloudInitVolumeLibpoolAddsToKubeVirt() {
        String cloudInit = DomainXml.fileDisk(VmContract.KUBEVIRT_ALIAS_PREFIX + VmContract.CLOUD_INIT_VOLUME,
                "/var/run/kubevirt-ephemeral-disks/cloud-init-data/default/vm/noCloud.iso", "vdb");
        String base = document(Fixtures.DOMAIN_XML.resolve("domain_x86_64.xml"));
        String alone = DomainXml.withDisks(base, cloudInit);
        assertThat(hook(vmiJson(Map.of()), alone)).as("no pool disk: the domain is unchanged").isEqualTo(alone);

        String input = DomainXml.withDisks(base, cloudInit, DomainXml.poolDisk("base", DomainXml.launcherPath("base"), "vdz"));
        String output = hook(vmiJson(Map.of("base", SIZE)), input);
        assertTransformed(input, output, Map.of("base", SIZE));
        assertThat(DomainXml.diskAliases(DomainXml.parse(output))).contains(VmContract.KUBEVIRT_ALIAS_PREFIX + VmContract.CLOUD_INIT_VOLUME);
    }

    /** Only ua-libpool-&lt;pool name&gt; is a pool's disk: any other ua-libpool-* alias is a disk like any other. */
    @Test
    void takesNoAliasThatNamesNoValidPool() {
        String base = document(Fixtures.DOMAIN_XML.resolve("hooks_domain.xml"));
        for (String notAPool : List.of("Bad_Name", "-hook", "x".repeat(VmContract.MAX_POOL_NAME + 1), "a.b")) {
            String input = DomainXml.withDisks(base, DomainXml.poolDisk(notAPool, DomainXml.launcherPath(notAPool), "vdz"));
            assertThat(hook(vmiJson(Map.of()), input)).as(notAPool).isEqualTo(input);
        }
    }

    @Test
    void staysWithinPython39Syntax() {
        Processes.Result result = Processes.run(List.of("python3", "-c",
                "import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 9))",
                HookRunner.script().toString()));
        assertThat(result.exitCode()).as("%s", result).isZero();
    }

    // --- assertions ----------------------------------------------------------------------------

    private static void assertTransformed(String input, String output, Map<String, Long> sizes) {
        Document in = DomainXml.parse(input);
        Document out = DomainXml.parse(output);
        Element inDomain = in.getDocumentElement();
        Element outDomain = out.getDocumentElement();

        List<String> expectedAliases = new ArrayList<>(DomainXml.diskAliases(in));
        sizes.keySet().forEach(pool -> expectedAliases.remove(VmContract.diskAlias(pool)));
        assertThat(DomainXml.diskAliases(out)).as("pool disks removed, others kept").isEqualTo(expectedAliases);

        List<String> expectedArgs = new ArrayList<>(DomainXml.qemuArgs(in));
        // Pool devices get root-bus PCI slots from the top down (q35: 0x1f is ICH9), where libvirt does not assign.
        boolean q35 = input.contains("machine=\"q35\"");
        String bus = q35 ? "pcie.0" : "pci.0";
        int[] slot = {q35 ? 0x1e : 0x1f};
        sizes.forEach((pool, size) -> expectedArgs.addAll(List.of(
                "-object",
                "memory-backend-file,id=libpool-" + pool + "-mem,share=on,readonly=on,mem-path="
                        + DomainXml.launcherPath(pool) + ",size=" + size,
                "-device",
                "virtio-pmem-pci,memdev=libpool-" + pool + "-mem,id=libpool-" + pool + "-pmem,bus=" + bus
                        + ",addr=0x" + Integer.toHexString(slot[0]--))));
        assertThat(DomainXml.qemuArgs(out)).isEqualTo(expectedArgs);
        assertThat(output).as("qemu: prefix kept, namespace declared")
                .contains("<qemu:commandline>", "<qemu:arg value=\"-object\"/>")
                .contains("xmlns:qemu=\"" + DomainXml.QEMU_NS + "\"");

        long ram = ramBytes(inDomain);
        List<Element> cells = cells(outDomain);
        assertThat(cells).as("NUMA cells").isNotEmpty();
        assertThat(cells.stream().mapToLong(OnDefineDomainHookIT::cellBytes).sum()).as("guest RAM unchanged")
                .isEqualTo(ram);
        if (cells(inDomain).isEmpty()) {
            TreeSet<Integer> cpus = new TreeSet<>();
            cells.forEach(cell -> cpus.addAll(cpuList(cell.getAttribute("cpus"))));
            Element vcpu = child(outDomain, "vcpu");
            int vcpus = vcpu == null ? 1 : Integer.parseInt(vcpu.getTextContent().trim());
            assertThat(cpus).as("the cell covers every vCPU").hasSize(vcpus).startsWith(0).endsWith(vcpus - 1);
        }
        Element maxMemory = child(outDomain, "maxMemory");
        long pools = sizes.values().stream().mapToLong(Long::longValue).sum();
        assertThat(bytes(maxMemory)).as("maxMemory covers RAM and every pool").isGreaterThanOrEqualTo(ram + pools);
        assertThat(Integer.parseInt(maxMemory.getAttribute("slots"))).isGreaterThanOrEqualTo(sizes.size());

        // Everything else is preserved: same elements, attributes, text and namespaces, same order.
        boolean hadCpu = child(inDomain, "cpu") != null;
        boolean hadCells = !cells(inDomain).isEmpty();
        assertThat(DomainXml.inventory(out, (path, e) -> path.equals("/domain/maxMemory")
                || path.startsWith("/domain/{" + DomainXml.QEMU_NS + "}commandline")
                || (!hadCells && path.equals("/domain/cpu/numa"))
                || (!hadCpu && path.equals("/domain/cpu"))))
                .isEqualTo(DomainXml.inventory(in, (path, e) -> path.equals("/domain/maxMemory")
                        || path.startsWith("/domain/{" + DomainXml.QEMU_NS + "}commandline")
                        || (path.equals("/domain/devices/disk") && DomainXml.isPoolDisk(e))));
        assertThat(child(outDomain, "memory") == null ? null : child(outDomain, "memory").getTextContent())
                .isEqualTo(child(inDomain, "memory") == null ? null : child(inDomain, "memory").getTextContent());
    }

    private static void assertFailsLoudly(Processes.Result result, String messagePart) {
        assertThat(result.exitCode()).as("%s", result).isNotZero();
        assertThat(result.stdout()).as("nothing on stdout, so no half-configured domain").isEmpty();
        assertThat(result.stderr()).contains("libpool onDefineDomain:").contains(messagePart);
    }

    private static void assumeSchema() {
        if (!LibvirtSchema.available()) {
            System.out.println("SKIP schema validation: virt-xml-validate/xmllint missing "
                    + "(Debian: libvirt-clients, libxml2-utils)");
        }
        assumeTrue(LibvirtSchema.available(), "virt-xml-validate is not installed");
    }

    private static String withNumaAndMaxMemory(String domainXml) {
        return domainXml
                .replace("<memory unit=\"b\">8388608</memory>",
                        "<maxMemory slots=\"4\" unit=\"GiB\">16</maxMemory>\n  <memory unit=\"b\">8388608</memory>")
                .replace("</topology>",
                        "</topology>\n    <numa>\n      <cell id=\"0\" cpus=\"0\" memory=\"8192\" unit=\"KiB\"></cell>\n    </numa>");
    }

    private static List<Element> cells(Element domain) {
        Element cpu = child(domain, "cpu");
        Element numa = cpu == null ? null : child(cpu, "numa");
        return numa == null ? List.of() : children(numa, "cell");
    }

    private static long ramBytes(Element domain) {
        List<Element> cells = cells(domain);
        return cells.isEmpty() ? bytes(child(domain, "memory"))
                : cells.stream().mapToLong(OnDefineDomainHookIT::cellBytes).sum();
    }

    private static long cellBytes(Element cell) {
        return Long.parseLong(cell.getAttribute("memory")) * unit(cell.getAttribute("unit"));
    }

    private static long bytes(Element scaled) {
        return Long.parseLong(scaled.getTextContent().trim()) * unit(scaled.getAttribute("unit"));
    }

    private static long unit(String unit) {
        return switch (unit.isEmpty() ? "kib" : unit.toLowerCase()) {
            case "b", "bytes" -> 1;
            case "k", "kib" -> 1024;
            case "m", "mib" -> MIB;
            case "g", "gib" -> 1024 * MIB;
            default -> throw new AssertionError("unit " + unit + " not expected in these fixtures");
        };
    }

    private static List<Integer> cpuList(String spec) {
        List<Integer> cpus = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] range = part.split("-");
            int from = Integer.parseInt(range[0].trim());
            int to = range.length > 1 ? Integer.parseInt(range[1].trim()) : from;
            for (int i = from; i <= to; i++) {
                cpus.add(i);
            }
        }
        return cpus;
    }
}
