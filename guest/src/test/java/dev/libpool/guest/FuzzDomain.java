package dev.libpool.guest;

import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Document;
import java.util.SplittableRandom;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Random libvirt domains as virt-launcher could hand them to the hook (tests only): i440fx or q35, RAM in any
 * unit, maybe NUMA cells and maxMemory already, up to 40 devices of which some carry explicit root-bus PCI
 * addresses (hex or decimal, unique), maybe a qemu:commandline with its own -device on the root bus under any
 * prefix, foreign namespaces in the metadata, non-ASCII text, SATA CD-ROMs and SCSI disks whose unit names make
 * libvirt add controllers, and one to three pool disks. The generator knows which slots are explicit and how many
 * devices libvirt will place itself, so the test can check the hook. Every file the domain names lies under a
 * root directory (the file system's by default; HookFuzzStartE2E creates them under a temporary one to start the domain).
 */
public final class FuzzDomain {

    /**
     * @param placedByLibvirt devices without an address that libvirt places itself, controllers for the disks included
     *                        (on i440fx each on a root-bus slot, on q35 each behind a root port)
     * @param graphics        whether the domain has graphics (for which libvirt adds a video device)
     * @param sataControllers SATA controllers libvirt adds for the SATA disks (on q35 the first is built in)
     * @param scsiControllers SCSI controllers libvirt adds for the SCSI disks
     * @param diskFiles the disk and CD-ROM images the domain names
     * @param poolFiles the source file of each pool disk, in the order of {@code pools}
     */
    public record Case(String xml, boolean q35, Set<Integer> explicitSlots, int placedByLibvirt, boolean graphics, int sataControllers,
                       int scsiControllers, List<String> pools, List<String> diskFiles, List<String> poolFiles) {
        /** Root-bus slots that neither the machine's built-in devices nor the domain's addresses hold. */
        public int freeSlots() {
            return 30 - explicitSlots.size(); // q35: 0x01-0x1e, i440fx: 0x02-0x1f
        }

        /**
         * Whether the hook must refuse: it keeps the slots libvirt fills bottom-up free ({@link #libvirtSlots()}), and
         * fewer than one per pool remain above them.
         */
        public boolean crowded() {
            return freeSlots() - libvirtSlots() < pools.size();
        }

        /**
         * Root-bus slots libvirt may fill bottom-up (onDefineDomain.py free_root_slot): on i440fx one per device
         * without an address and per device libvirt adds; on q35 those devices sit behind pcie-root-ports, eight to a
         * slot (libvirt's aggregate slots), with one more port for a pcie-to-pci-bridge, slot 1 for the video libvirt
         * adds for graphics, and one slot of margin.
         */
        public int libvirtSlots() {
            if (!q35) {
                return placedByLibvirt + IMPLICIT_ALLOWANCE;
            }
            int ports = placedByLibvirt + IMPLICIT_ALLOWANCE + 1;
            return (ports + ROOT_PORT_FUNCTIONS - 1) / ROOT_PORT_FUNCTIONS + 1 + (graphics ? 1 : 0);
        }

        /** Whether the hook refused this domain before issue 19, when it counted a root-bus slot per device on q35 too. */
        public boolean crowdedBeforeIssue19() {
            return freeSlots() - placedByLibvirt - IMPLICIT_ALLOWANCE < pools.size();
        }

        /** Every element of the input as "path {attributes} text", the pool disks (which the hook replaces) left out. */
        public List<String> inputElements() {
            return DomainXml.inventory(DomainXml.parse(xml), (path, e) -> path.equals("/domain/maxMemory")
                    || path.startsWith("/domain/{" + DomainXml.QEMU_NS + "}commandline")
                    || (path.equals("/domain/devices/disk") && DomainXml.isPoolDisk(e)));
        }

        /**
         * The elements of the hook's output in the same form, without what the hook adds or rewrites (maxMemory, the
         * qemu:commandline, the NUMA cell when the input had none): equal to {@link #inputElements()} when the hook
         * kept every element of the input.
         */
        public List<String> elementsKeptIn(String hooked) {
            boolean hadCells = xml.contains("<cell ");
            boolean hadCpu = xml.contains("<cpu>");
            Document out = DomainXml.parse(hooked);
            return DomainXml.inventory(out, (path, e) -> path.equals("/domain/maxMemory")
                    || path.startsWith("/domain/{" + DomainXml.QEMU_NS + "}commandline")
                    || (!hadCells && path.equals("/domain/cpu/numa")) || (!hadCpu && path.equals("/domain/cpu")));
        }

        /** The values of the input's qemu:arg elements, in order. */
        public List<String> qemuArgs() {
            return DomainXml.qemuArgs(DomainXml.parse(xml));
        }
    }

    /** Devices libvirt may add by itself (onDefineDomain.py IMPLICIT_DEVICES). */
    private static final int IMPLICIT_ALLOWANCE = 4;
    /** pcie-root-ports per q35 root-bus slot (onDefineDomain.py ROOT_PORT_FUNCTIONS). */
    private static final int ROOT_PORT_FUNCTIONS = 8;

    /** Devices that sit on a PCI slot of their own, each with an optional explicit address. */
    private static final List<String> PCI_DEVICES = List.of(
            "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%4$s/var/lib/d%1$d.img'/>"
                    + "<target dev='vd%2$s' bus='virtio'/>%3$s</disk>",
            "<controller type='virtio-serial' index='%1$d'>%3$s</controller>",
            "<rng model='virtio'><backend model='random'>/dev/urandom</backend>%3$s</rng>",
            "<input type='tablet' bus='virtio'>%3$s</input>",
            "<sound model='ich6'>%3$s</sound>",
            "<interface type='user'><model type='virtio'/>%3$s</interface>");
    /** Devices that never take a slot of their own (a SATA or SCSI disk hangs off a controller libvirt adds). */
    private static final List<String> OTHER_DEVICES = List.of(
            "<serial type='pty'><target port='0'/></serial>",
            "<disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='%4$s/var/lib/c%1$d.iso'/>"
                    + "<target dev='sd%2$s' bus='sata'/><readonly/></disk>",
            "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%4$s/var/lib/s%1$d.img'/>"
                    + "<target dev='sd%2$s' bus='scsi'/></disk>");
    /** Units per controller as libvirt's QEMU driver assigns them from a disk name (virDomainDiskDefAssignAddress). */
    private static final int SATA_UNITS = 6;
    private static final int SCSI_UNITS = 7;
    /** The templates quote disk sources with ' and the pool disks with ". */
    private static final Pattern DISK_FILE = Pattern.compile("<source file='([^']+)'");

    private FuzzDomain() {
    }

    /** A domain whose files lie where virt-launcher has them ({@code /var/lib/...}, {@code /var/run/kubevirt-private/...}). */
    public static Case generate(long seed) {
        return generate(seed, "");
    }

    /** The same domain with every file path prefixed by {@code root} (an absolute directory without a trailing /). */
    public static Case generate(long seed, String root) {
        // SplittableRandom mixes the seed: java.util.Random's first values for seeds 0, 1, 2... are alike.
        SplittableRandom r = new SplittableRandom(seed);
        boolean q35 = r.nextBoolean();
        List<Integer> free = new ArrayList<>();
        for (int slot = q35 ? 1 : 2; slot <= (q35 ? 0x1e : 0x1f); slot++) {
            free.add(slot);
        }
        Set<Integer> explicit = new TreeSet<>();
        int placed = 0;
        StringBuilder devices = new StringBuilder("<emulator>/usr/bin/qemu-system-x86_64</emulator>\n");
        devices.append("<controller type='usb' model='none'/>\n");
        boolean balloon = r.nextBoolean();
        int count = r.nextInt(41);
        int serialIndex = 0;
        int highestSataController = -1;
        int highestScsiController = -1;
        for (int i = 0; i < count; i++) {
            String letters = "" + (char) ('a' + i / 26) + (char) ('a' + i % 26);
            if (r.nextInt(5) == 0) {
                String other = OTHER_DEVICES.get(r.nextInt(OTHER_DEVICES.size()));
                // libvirt puts disk sdXY on controller index/units and adds every controller up to it
                int diskIndex = (letters.charAt(0) - 'a' + 1) * 26 + (letters.charAt(1) - 'a');
                if (other.contains("bus='sata'")) {
                    highestSataController = Math.max(highestSataController, diskIndex / SATA_UNITS);
                } else if (other.contains("bus='scsi'")) {
                    highestScsiController = Math.max(highestScsiController, diskIndex / SCSI_UNITS);
                }
                devices.append(other.formatted(i, letters, "", root)).append('\n');
                continue;
            }
            String template = PCI_DEVICES.get(r.nextInt(PCI_DEVICES.size()));
            String address = "";
            if (!free.isEmpty() && r.nextInt(3) > 0) {
                int slot = free.remove(r.nextInt(free.size()));
                explicit.add(slot);
                address = "<address type='pci' domain='0x0000' bus='" + (r.nextBoolean() ? "0x00" : "0") + "' slot='"
                        + (r.nextInt(4) == 0 ? Integer.toString(slot) : String.format("0x%02x", slot))
                        + "' function='0x0'/>";
            } else {
                placed++;
            }
            int index = template.contains("virtio-serial") ? serialIndex++ : i;
            devices.append(template.formatted(index, letters, address, root)).append('\n');
        }
        boolean graphics = r.nextBoolean();
        if (graphics) {
            devices.append("<graphics type='vnc' port='-1'/>\n"); // libvirt starts at most one per type
        }
        devices.append(balloon ? "<memballoon model='virtio'/>\n" : "<memballoon model='none'/>\n");
        placed += balloon ? 1 : 0;
        // each SATA and SCSI controller is a PCI device libvirt places itself; q35's first SATA one is built in (0x1f)
        placed += Math.max(0, highestSataController + 1 - (q35 ? 1 : 0)) + highestScsiController + 1;

        String prefix = List.of("qemu", "q", "libvirtqemu").get(r.nextInt(3));
        StringBuilder commandline = new StringBuilder();
        // libvirt does not see a qemu:commandline device: its slot must be one libvirt will not fill bottom-up
        int aboveLibvirts = free.size() - placed - IMPLICIT_ALLOWANCE;
        if (r.nextBoolean() && aboveLibvirts > 0) {
            int slot = free.remove(free.size() - 1 - r.nextInt(aboveLibvirts));
            explicit.add(slot);
            commandline.append("<%1$s:commandline><%1$s:arg value='-device'/><%1$s:arg value='virtio-rng-pci,id=fuzzrng,bus=%2$s,addr=%3$s'/></%1$s:commandline>\n"
                    .formatted(prefix, q35 ? "pcie.0" : "pci.0", String.format("0x%x", slot)));
        }
        List<String> pools = new ArrayList<>();
        List<String> poolFiles = new ArrayList<>();
        int poolCount = 1 + r.nextInt(3);
        for (int p = 0; p < poolCount; p++) {
            String pool = "pool" + p + (r.nextBoolean() ? "-x" : "");
            pools.add(pool);
            poolFiles.add(root + DomainXml.launcherPath(pool));
            devices.append(DomainXml.poolDisk(pool, root + DomainXml.launcherPath(pool), "vdz" + (char) ('a' + p)))
                    .append('\n');
        }
        List<String> diskFiles = new ArrayList<>();
        Matcher file = DISK_FILE.matcher(devices);
        while (file.find()) {
            diskFiles.add(file.group(1));
        }

        int vcpus = 1 + r.nextInt(4);
        long ramMiB = 128L << r.nextInt(4);
        String memory = switch (r.nextInt(4)) {
            case 0 -> "<memory unit='KiB'>" + ramMiB * 1024 + "</memory>";
            case 1 -> "<memory unit='MiB'>" + ramMiB + "</memory>";
            case 2 -> "<memory unit='b'>" + ramMiB * 1024 * 1024 + "</memory>";
            default -> "<memory>" + ramMiB * 1024 + "</memory>";
        };
        String cpu = r.nextBoolean() ? "" : "<cpu><numa><cell id='0' cpus='0-" + (vcpus - 1) + "' memory='"
                + ramMiB * 1024 + "' unit='KiB'/></numa></cpu>";
        String maxMemory = !cpu.isEmpty() && r.nextBoolean()
                ? "<maxMemory slots='2' unit='GiB'>" + (2 + r.nextInt(4)) + "</maxMemory>" : "";
        String metadata = "<metadata><kubevirt xmlns='http://kubevirt.io'><uid>" + seed + "</uid></kubevirt>"
                + (r.nextBoolean() ? "<f:fuzz xmlns:f='urn:libpool:fuzz' f:n='" + seed + "'><f:x>1</f:x></f:fuzz>" : "")
                + "</metadata>";
        String description = r.nextBoolean() ? "<description>caf\u00e9 \u65e5\u672c &amp; &lt;ok&gt; \u00fc</description>" : "";
        String xml = "<domain type='qemu' xmlns:" + prefix + "='" + DomainXml.QEMU_NS + "'>\n"
                + "<name>fuzz-" + seed + "</name>\n" + description + metadata + "\n" + maxMemory + memory + "\n"
                + "<vcpu placement='static'>" + vcpus + "</vcpu>\n"
                + "<os><type arch='x86_64' machine='" + (q35 ? "q35" : "pc") + "'>hvm</type></os>\n"
                + cpu + "\n<on_poweroff>destroy</on_poweroff>\n<devices>\n" + devices + "</devices>\n"
                + commandline + "</domain>\n";
        return new Case(xml, q35, explicit, placed, graphics, highestSataController + 1, highestScsiController + 1, pools, diskFiles,
                poolFiles);
    }

    /**
     * A q35 domain shaped like KubeVirt's converter output for a VM with many disks (issue 19, defect 2): {@code disks}
     * virtio disks and three virtio interfaces without addresses, KubeVirt's pcie-root-port hotplug controllers
     * without addresses, virtio-serial, rng and balloon, USB off, and two pools. Before issue 19 the hook counted a
     * root-bus slot per device and refused it from about 26 devices on.
     */
    public static Case crowdedQ35(int disks, String root) {
        StringBuilder devices = new StringBuilder("<emulator>/usr/bin/qemu-system-x86_64</emulator>\n");
        devices.append("<controller type='usb' model='none'/>\n");
        int placed = 0;
        for (int port = 1; port <= 6; port++, placed++) {
            devices.append("<controller type='pci' index='").append(port).append("' model='pcie-root-port'/>\n");
        }
        List<String> diskFiles = new ArrayList<>();
        for (int i = 0; i < disks; i++, placed++) {
            String file = root + "/var/run/kubevirt-private/vmi-disks/disk" + i + "/disk.img";
            diskFiles.add(file);
            devices.append("<disk type='file' device='disk' model='virtio-non-transitional'><driver name='qemu' type='raw'/>"
                    + "<source file='" + file + "'/><target dev='vd" + (char) ('a' + i / 26) + (char) ('a' + i % 26)
                    + "' bus='virtio'/><alias name='ua-disk" + i + "'/></disk>\n");
        }
        for (int i = 0; i < 3; i++, placed++) {
            devices.append("<interface type='user'><model type='virtio-non-transitional'/><alias name='ua-net" + i + "'/></interface>\n");
        }
        devices.append("<controller type='virtio-serial' index='0' model='virtio-non-transitional'/>\n"
                + "<rng model='virtio-non-transitional'><backend model='random'>/dev/urandom</backend></rng>\n"
                + "<memballoon model='virtio-non-transitional'/>\n<serial type='pty'><target port='0'/></serial>\n");
        placed += 3;
        List<String> pools = List.of("base", "extra-libs");
        List<String> poolFiles = new ArrayList<>();
        for (int p = 0; p < pools.size(); p++) {
            poolFiles.add(root + DomainXml.launcherPath(pools.get(p)));
            devices.append(DomainXml.poolDisk(pools.get(p), poolFiles.get(p), "vdz" + (char) ('a' + p))).append('\n');
        }
        String xml = "<domain type='qemu'>\n<name>crowded-q35-" + disks + "</name>\n"
                + "<metadata><kubevirt xmlns='http://kubevirt.io'><uid>crowded</uid></kubevirt></metadata>\n"
                + "<memory unit='MiB'>256</memory>\n<vcpu placement='static'>1</vcpu>\n"
                + "<os><type arch='x86_64' machine='q35'>hvm</type></os>\n<on_poweroff>destroy</on_poweroff>\n"
                + "<devices>\n" + devices + "</devices>\n</domain>\n";
        return new Case(xml, true, Set.of(), placed, false, 0, 0, pools, diskFiles, poolFiles);
    }
}
