package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.e2e.lab.Command;
import dev.libpool.kubetest.KubeVirtCode;
import dev.libpool.operator.kubevirt.KubeVirtCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.libpool.e2e.DomainDom.children;
import static dev.libpool.e2e.DomainDom.dropKvmOnly;
import static dev.libpool.e2e.DomainDom.first;
import static dev.libpool.e2e.DomainDom.fragment;
import static dev.libpool.e2e.DomainDom.parse;
import static dev.libpool.e2e.DomainDom.remove;
import static dev.libpool.e2e.DomainDom.write;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 19, defect 2, with KubeVirt v1.9.0's own domain converter (KubeVirtCode): a q35 VM with many disks and
 * libpool's hostDisk, converted by virt-launcher's code into the domain the hook receives, goes through the real hook
 * and is STARTED under a private real libvirtd (QEMU TCG). KubeVirt leaves every disk without a PCI address and adds
 * its hotplug pcie-root-ports; libvirt puts each disk behind a root port and packs eight into one root-bus slot. The
 * hook once counted a root-bus slot per such device and refused these domains ("no PCI slot on the root bus is surely
 * free"); now the pool device sits on the slot the hook chose (QEMU's query-pci) and every device of the converted
 * domain runs. Made startable here only by what this host lacks: KVM-only elements go, disk sources become local sparse
 * files, the unix-socket serial, console, channel and VNC become a pty serial / nothing. Run under the lab lock:
 * {@code flock /tmp/libpool-lab.lock ./mvnw ...}.
 */
class ConvertedCrowdedDomainE2E {
    private static final Path WORK = Path.of("target/converted-crowded-lab").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern POOL_DEVICE = Pattern.compile("virtio-pmem-pci,memdev=[^,]+,id=(libpool-base-pmem),bus=pcie\\.0,addr=0x([0-9a-f]+)");
    private static HookLab lab;
    private static Path poolFile;

    @BeforeAll
    static void startLibvirt() throws IOException {
        KubeVirtCode.get(); // skips, saying how to build it, without KubeVirt's code
        lab = HookLab.start("ConvertedCrowdedDomainE2E", WORK);
        poolFile = HookLab.sparseFile(WORK.resolve("pool.img"), 4L << 20, true);
    }

    @AfterAll
    static void stopLibvirt() {
        if (lab != null) {
            lab.close();
        }
    }

    @ParameterizedTest(name = "{0} disks")
    @ValueSource(ints = {28, 40})
    void kubevirtsConversionOfAQ35VmWithManyDisksStartsWithThePool(int disks) throws Exception {
        JsonNode vm = vm(disks);
        KubeVirtCode.get().assertAdmitted(vm, KubeVirtCheck.REQUIRED_GATES);
        String converted = KubeVirtCode.get().domain(vm, KubeVirtCheck.REQUIRED_GATES, false).xml();
        Document domain = parse(converted);
        assertThat(first(first(domain.getDocumentElement(), "os"), "type").getAttribute("machine")).contains("q35");
        List<Element> unaddressed = children(first(domain.getDocumentElement(), "devices")).stream()
                .filter(d -> first(d, "address") == null && Set.of("disk", "controller").contains(d.getLocalName())
                        && !"usb".equals(d.getAttribute("type"))).toList();
        assertThat(unaddressed.size() + 4).as("KubeVirt leaves the disks and its root ports without an address: more than "
                + "the 30 slots of pcie.0 the per-device count needed").isGreaterThan(30);

        String name = "converted-" + disks;
        String startable = startable(domain, name);
        String hooked = lab.hook().onDefineDomain(startable, name, Map.of("base", poolFile));
        Matcher pool = POOL_DEVICE.matcher(hooked);
        assertThat(pool.find()).as("the hook accepted KubeVirt's domain:\n%s", hooked).isTrue();
        int slot = Integer.parseInt(pool.group(2), 16);

        Command.Result created = lab.create(name, hooked);
        try {
            assertThat(created.ok()).as("virsh create: %s\nQEMU log: %s\ndomain:\n%s", created.stderr(),
                    lab.libvirt().qemuLogTail(name), hooked).isTrue();
            String reply = lab.libvirt().virsh("qemu-monitor-command", name, "{\"execute\":\"query-pci\"}");
            List<String> onSlot = new ArrayList<>();
            int rootBusSlots = 0;
            for (JsonNode bus : JSON.readTree(reply).path("return")) {
                for (JsonNode device : bus.path("bus").asInt(-1) == 0 ? bus.path("devices") : JSON.createArrayNode()) {
                    if (device.path("function").asInt() == 0) {
                        rootBusSlots++;
                        if (device.path("slot").asInt() == slot) {
                            onSlot.add(device.path("qdev_id").asText());
                        }
                    }
                }
            }
            assertThat(onSlot).as("QEMU has the pool device on the hook's slot %#x", slot).containsExactly("libpool-base-pmem");
            String live = lab.libvirt().virsh("dumpxml", name);
            long liveDisks = children(first(parse(live).getDocumentElement(), "devices")).stream()
                    .filter(d -> d.getLocalName().equals("disk")).count();
            assertThat(liveDisks).as("every disk of KubeVirt's domain runs").isEqualTo(disks);
            System.out.printf("ConvertedCrowdedDomainE2E: %d disks, %d devices without an address in KubeVirt's domain, "
                    + "%d functions-0 on pcie.0 when running, pool at %#x%n", disks, unaddressed.size(), rootBusSlots, slot);
        } finally {
            lab.libvirt().virshResult("destroy", name);
        }
    }

    /** A running q35 VM (KubeVirt's default machine) with {@code disks} hostDisk disks, no network, and libpool's pool. */
    private static JsonNode vm(int disks) {
        ObjectNode vm = JSON.createObjectNode().put("apiVersion", "kubevirt.io/v1").put("kind", "VirtualMachine");
        vm.putObject("metadata").put("name", "crowded").put("namespace", "default");
        ObjectNode spec = vm.putObject("spec").put("runStrategy", "Always");
        ObjectNode template = spec.putObject("template");
        template.putObject("metadata").putObject("annotations").put(VmContract.sizeAnnotation("base"), Long.toString(4L << 20));
        ObjectNode vmiSpec = template.putObject("spec");
        ObjectNode domain = vmiSpec.putObject("domain");
        domain.putObject("resources").putObject("requests").put("memory", "128Mi");
        ObjectNode devices = domain.putObject("devices").put("autoattachPodInterface", false);
        ArrayNode diskList = devices.putArray("disks");
        ArrayNode volumes = vmiSpec.putArray("volumes");
        for (int i = 0; i < disks; i++) {
            diskList.addObject().put("name", "disk" + i).putObject("disk").put("bus", "virtio");
            volumes.addObject().put("name", "disk" + i).putObject("hostDisk").put("path", "/var/lib/vm-disks/d" + i + ".img")
                    .put("type", "Disk");
        }
        diskList.addObject().put("name", VmContract.volumeName("base")).putObject("disk").put("bus", "virtio");
        volumes.addObject().put("name", VmContract.volumeName("base")).putObject("hostDisk")
                .put("path", VmContract.poolFile(VmContract.DEFAULT_STATE_DIR, "base")).put("type", "Disk");
        return vm;
    }

    /** KubeVirt's domain as this host can start it, every PCI device kept as KubeVirt wrote it. */
    private static String startable(Document doc, String name) throws Exception {
        Element domain = doc.getDocumentElement();
        first(domain, "name").setTextContent(name);
        dropKvmOnly(domain);
        remove(first(domain, "seclabel"));
        Element devices = first(domain, "devices");
        int disk = 0;
        for (Element device : children(devices)) {
            String tag = device.getLocalName();
            if (Set.of("serial", "console", "channel", "graphics").contains(tag)) {
                remove(device);
            } else if (tag.equals("disk")) {
                Element source = first(device, "source");
                boolean isPool = first(device, "alias") != null
                        && first(device, "alias").getAttribute("name").equals(VmContract.diskAlias("base"));
                source.setAttribute("file", isPool ? poolFile.toString()
                        : HookLab.sparseFile(WORK.resolve("disks/" + name + "/" + disk++ + ".img"), 1L << 20, false).toString());
            }
        }
        devices.appendChild(fragment(doc, "<serial type='pty'><target port='0'/></serial>"));
        return write(doc);
    }
}
