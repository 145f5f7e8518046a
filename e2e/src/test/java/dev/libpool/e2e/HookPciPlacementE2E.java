package dev.libpool.e2e;

import dev.libpool.e2e.lab.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.libpool.e2e.DomainDom.children;
import static dev.libpool.e2e.DomainDom.first;
import static dev.libpool.e2e.DomainDom.remove;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14: KubeVirt's own domain XML for a VMI whose devices sit on the root complex, one disk moved to
 * bus 0x00 slot 0x10 (where the hook used to put the pool device), goes through the real hook and is STARTED
 * under a real libvirtd (QEMU TCG; the guest has no OS, starting is what is checked: QEMU accepted every
 * device address). Also as i440fx, and as q35 with the top slots taken. The control: the same hooked domain
 * with the pool device forced back to slot 0x10 is refused by QEMU.
 *
 * <p>The domain keeps every device of the fixture that this host can provide (its PCI devices with their
 * addresses, a video device libvirt places itself); KVM-only features, host block devices, sockets and the VNC
 * socket are left out. Run under the lab lock: {@code flock /tmp/libpool-lab.lock ./mvnw ...}.
 */
class HookPciPlacementE2E {
    private static final Path WORK = Path.of("target/hook-placement-lab").toAbsolutePath();
    private static final Pattern POOL_ADDR = Pattern.compile("virtio-pmem-pci,[^\"']*,bus=(pcie?\\.0),addr=(0x[0-9a-f]+)");
    private static HookLab lab;
    private static Path poolFile;

    @BeforeAll
    static void startLibvirt() throws IOException {
        lab = HookLab.start("HookPciPlacementE2E", WORK);
        poolFile = HookLab.sparseFile(WORK.resolve("pool.img"), 4L << 20, true);
        for (String disk : List.of("disk0.img", "disk1.img")) {
            HookLab.sparseFile(WORK.resolve(disk), 1L << 20, false);
        }
    }

    @AfterAll
    static void stopLibvirt() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void kubevirtsRootComplexDomainWithADiskAtSlot0x10StartsWithThePool() throws Exception {
        String hooked = startHooked("placement-q35", kubevirtDomain("placement-q35", "q35", List.of()));
        assertThat(poolAddress(hooked)).containsExactly("pcie.0", "0x1e");

        // The control: where the hook used to place it, QEMU refuses to start the same domain.
        String old = hooked.replace("bus=pcie.0,addr=0x1e", "bus=pcie.0,addr=0x10").replace("placement-q35", "placement-old");
        Command.Result refused = lab.create("placement-old", old);
        assertThat(refused.ok()).as("the domain with the pool at the disk's slot 0x10 must not start").isFalse();
        assertThat(refused.stderr() + lab.libvirt().qemuLogTail("placement-old")).containsIgnoringCase("slot 16");
    }

    @Test
    void i440fxVariantStartsWithThePool() throws Exception {
        String hooked = startHooked("placement-pc", kubevirtDomain("placement-pc", "pc", List.of()));
        assertThat(poolAddress(hooked)).containsExactly("pci.0", "0x1f");
    }

    @Test
    void withTheTopSlotsTakenThePoolGoesBelowThem() throws Exception {
        String hooked = startHooked("placement-crowded", kubevirtDomain("placement-crowded", "q35",
                List.of(0x1e, 0x1d, 0x1b)));
        assertThat(poolAddress(hooked)).containsExactly("pcie.0", "0x1c");
    }

    /** Runs the hook, starts the domain, checks QEMU runs with the pool device, destroys it; returns the hooked XML. */
    private static String startHooked(String name, String domain) throws IOException {
        String hooked = lab.hook().onDefineDomain(domain, name, "base", poolFile);
        Command.Result created = lab.create(name, hooked);
        try {
            assertThat(created.ok()).as("virsh create %s: %s\nQEMU log: %s\ndomain:\n%s", name, created.stderr(),
                    lab.libvirt().qemuLogTail(name), hooked).isTrue();
            long pid = lab.libvirt().qemuPid(name).orElseThrow(() -> new AssertionError("no QEMU pid file for " + name));
            String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
            assertThat(cmdline).contains("virtio-pmem-pci,memdev=libpool-base-mem").contains("readonly=on");
        } finally {
            lab.libvirt().virshResult("destroy", name);
        }
        return hooked;
    }

    private static List<String> poolAddress(String hooked) {
        Matcher m = POOL_ADDR.matcher(hooked);
        assertThat(m.find()).as("pool device in\n%s", hooked).isTrue();
        return List.of(m.group(1), m.group(2));
    }

    /**
     * KubeVirt's domain_x86_64_root.xml made startable here: TCG, 128 MiB, the disk ua-myvolume moved to bus 0x00
     * slot 0x10, disk sources replaced by local files, a hostDisk for the pool (alias ua-libpool-base), plus one
     * virtio RNG per extra slot at the given root-bus slots.
     */
    static String kubevirtDomain(String name, String machine, List<Integer> extraSlots) throws Exception {
        Document doc;
        try (InputStream in = HookPciPlacementE2E.class.getResourceAsStream("kubevirt/domain_x86_64_root.xml")) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            doc = factory.newDocumentBuilder().parse(in);
        }
        Element domain = doc.getDocumentElement();
        domain.setAttribute("type", "qemu");
        first(domain, "name").setTextContent(name);
        Element memory = first(domain, "memory");
        memory.setAttribute("unit", "MiB");
        memory.setTextContent("128");
        first(first(domain, "os"), "type").setAttribute("machine", machine);
        DomainDom.dropKvmOnly(domain);
        Element devices = first(domain, "devices");
        int disk = 0;
        for (Element device : children(devices)) {
            String tag = device.getLocalName();
            Element address = first(device, "address");
            boolean keep = address != null && !tag.equals("interface") || tag.equals("video");
            if (!keep) {
                remove(device);
            } else if (tag.equals("disk")) {
                first(device, "source").setAttribute("file", WORK.resolve("disk" + disk++ + ".img").toString());
                Element alias = first(device, "alias");
                if (alias != null && alias.getAttribute("name").equals("ua-myvolume")) {
                    address.setAttribute("slot", "0x10");
                }
            }
        }
        Element emulator = doc.createElement("emulator");
        emulator.setTextContent("/usr/bin/qemu-system-x86_64");
        devices.insertBefore(emulator, devices.getFirstChild());
        devices.appendChild(DomainDom.fragment(doc, "<disk device='disk' type='file'><source file='" + poolFile + "'/>"
                + "<target bus='virtio' dev='vdz'/><driver name='qemu' type='raw'/><alias name='ua-libpool-base'/></disk>"));
        for (int slot : extraSlots) {
            devices.appendChild(DomainDom.fragment(doc, "<rng model='virtio'><backend model='random'>/dev/urandom</backend>"
                    + "<address type='pci' domain='0x0000' bus='0x00' slot='" + String.format("%#04x", slot)
                    + "' function='0x0'/></rng>"));
        }
        return DomainDom.write(doc);
    }
}
