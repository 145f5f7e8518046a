#!/usr/bin/env python3
"""libpool onDefineDomain hook for KubeVirt's sidecar-shim (Python 3.9 standard library only).

Called as ``onDefineDomain --vmi <json> --domain <xml>``; prints the new domain XML on stdout.

For every disk whose alias is ``ua-libpool-<pool>`` with a valid pool name (a KubeVirt hostDisk
pointing at the pool file; other ``ua-libpool--*`` disks such as libpool's cloud-init volume are left
alone) it removes the <disk> and attaches the same file as a READ-ONLY virtio-pmem device through
<qemu:commandline> (libvirt 9.0 cannot do it natively: its <memory model='virtio-pmem'> fails at
start and drops <readonly/>). virtio-pmem needs device memory, so the domain gets <maxMemory slots>
and, when it has none, one NUMA cell covering every vCPU and all guest RAM (libvirt refuses
maxMemory without NUMA). Guest RAM is never changed.

A domain without pool disks is printed byte for byte unchanged, so a second run is a no-op.
Anything the hook cannot handle exits non-zero with a message on stderr and nothing on stdout:
KubeVirt then refuses to start the VM instead of starting it half-configured.

minidom (not ElementTree) is used on purpose: it keeps every namespace declaration and prefix
where the input had them (KubeVirt's <kubevirt xmlns="http://kubevirt.io"> metadata and the
qemu: prefix), which ElementTree would rename or hoist to the root.
"""
import argparse
import json
import os
import re
import stat
import sys
from xml.dom import minidom
from xml.parsers import expat
from xml.parsers.expat import ExpatError

QEMU_NS = "http://libvirt.org/schemas/domain/qemu/1.0"
ALIAS_PREFIX = "ua-libpool-"
SIZE_ANNOTATION_PREFIX = "libpool.dev/size-"
# A DNS label that still fits "libpool-" + name into KubeVirt's 63-character volume name.
POOL_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,53}[a-z0-9])?$")
KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
# erofs DAX needs the whole device 2 MiB aligned (the node daemon pads the pool file to that).
DEVICE_ALIGN = 2 * MIB
# maxMemory is rounded up to whole GiB: QEMU places each device memory region at an aligned
# address, a round figure leaves room for that alignment.
MAXMEM_ALIGN = GIB
# Root-bus PCI slots (0..31). libvirt hands out the free ones from the bottom up, so pool devices
# take them from the top down. Slot 0 is the host bridge on both machines; i440fx has PIIX3 at 1,
# q35 the ICH9 functions (LPC, SATA, SMBus) at 0x1f.
ROOT_BUS_SLOTS = 32
BUILTIN_SLOTS = {"q35": {0, 0x1f}, "i440fx": {0, 1}}
# Devices libvirt adds by itself when the domain lacks them (USB controller, memballoon, video for
# graphics, a SATA/IDE controller): each may take one more slot from the bottom (on q35: a root port).
IMPLICIT_DEVICES = 4
# q35 (libvirt's qemu_domain_address.c and conf/domain_addr.c: the same in the 3.x and the GLib-era
# sources read, observed under 9.0 by HookFuzzStartE2E; 10.10/11.x, which KubeVirt 1.9 ships, are not
# run here, hence the margin below):
# a device without an address does not go on pcie.0 itself but behind a pcie-root-port, which libvirt
# adds for it; every pcie-root-port without an address (KubeVirt's hotplug ports, the added ones) is an
# "aggregate slot" controller (VIR_PCI_CONNECT_AGGREGATE_SLOT), packed as functions 0-7 of one root-bus
# slot. Conventional PCI devices go behind a pcie-to-pci-bridge, itself behind a root port. Only the
# primary video (slot 1), a dmi-to-pci-bridge or expander bus, and ICH9 integrated devices at fixed
# slots (sound 0x1b, USB 0x1d) sit on pcie.0. The reservation keeps a margin where versions may differ:
# one root port for a pcie-to-pci-bridge, one whole slot (a dmi-to-pci-bridge where QEMU lacks
# pcie-to-pci-bridge, or a placement rule a later libvirt changes), and the implicit devices as ports.
ROOT_PORT_FUNCTIONS = 8
Q35_MARGIN_SLOTS = 1
Q35_ON_ROOT_BUS = {"dmi-to-pci-bridge", "pcie-expander-bus", "pci-expander-bus"}
# ICH9 models that libvirt puts on fixed q35 root-bus slots when they have no address.
Q35_FIXED_SLOTS = {("sound", "ich9"): 0x1b, ("controller", "ich9-ehci1"): 0x1d,
                   ("controller", "ich9-uhci1"): 0x1d, ("controller", "ich9-uhci2"): 0x1d,
                   ("controller", "ich9-uhci3"): 0x1d}
# Disk buses whose controllers libvirt adds from the disks' names: units per controller (libvirt's
# virDomainDiskDefAssignAddress; QEMU's SCSI bus is the narrow one), and the controllers a machine has
# built in. drive_controller_slots counts these controllers, may_take_a_slot does not.
DRIVE_BUS_UNITS = {"sata": 6, "scsi": 7}
BUILTIN_CONTROLLERS = {("q35", "sata"): {0}}
# <devices> children that never sit on a PCI slot of their own (they hang off a controller, or are
# not PCI at all).
NEVER_PCI = {"emulator", "graphics", "serial", "console", "parallel", "channel", "smartcard", "hub",
             "redirdev", "lease", "tpm", "audio", "panic", "memory", "iommu"}

# libvirt's scaled integers (docs: formatdomain "memory"); default unit is KiB.
UNITS = {
    "b": 1, "bytes": 1,
    "kb": 1000, "k": KIB, "kib": KIB,
    "mb": 1000 ** 2, "m": MIB, "mib": MIB,
    "gb": 1000 ** 3, "g": GIB, "gib": GIB,
    "tb": 1000 ** 4, "t": 1024 ** 4, "tib": 1024 ** 4,
}


class HookError(Exception):
    """A domain the hook refuses to transform; the message says what and how to fix it."""


def main(argv):
    parser = argparse.ArgumentParser(prog="onDefineDomain")
    parser.add_argument("--vmi", required=True, help="the VirtualMachineInstance as JSON")
    parser.add_argument("--domain", required=True, help="the libvirt domain XML")
    args = parser.parse_args(argv)
    try:
        try:
            output = transform(args.domain, args.vmi)
        except RecursionError:
            raise HookError("the domain XML is nested too deeply to process")
    except HookError as error:
        sys.stderr.write("libpool onDefineDomain: %s\n" % error)
        return 1
    sys.stdout.write(output)
    return 0


def transform(domain_xml, vmi_json):
    """Returns the domain XML with every pool disk turned into a read-only virtio-pmem device."""
    document = parse_domain(domain_xml)
    domain = document.documentElement
    if domain.namespaceURI is not None or domain.localName != "domain":
        raise HookError("the root element is <%s>, expected <domain>" % domain.tagName)
    pool_disks = find_pool_disks(domain)
    if not pool_disks:
        return domain_xml
    vmi = VmiAnnotations(vmi_json)
    pools = []
    for pool, disk in pool_disks:
        path = disk_source_file(pool, disk)
        pools.append((pool, path, pool_size(pool, path, vmi)))
        remove_node(disk)
    commandline = QemuCommandline(document)
    added = [p for p in pools if commandline.replace_pool_device(*p)]
    ram = guest_ram_bytes(domain)
    ensure_numa(document, domain, ram)
    ensure_max_memory(document, domain, ram, commandline.libpool_device_sizes(), added)
    return "".join(node.toxml() for node in document.childNodes) + "\n"


def parse_domain(domain_xml):
    """The domain as a DOM. A libvirt domain has no DOCTYPE: one is refused before minidom sees the
    text, so no entity is ever expanded or fetched (billion laughs, external entities)."""
    def refuse_dtd(*_):
        raise HookError("the domain XML has a DOCTYPE or entity declaration; libvirt domains have "
                        "none and the hook expands no entities")
    guard = expat.ParserCreate()
    guard.StartDoctypeDeclHandler = refuse_dtd
    guard.EntityDeclHandler = refuse_dtd
    try:
        guard.Parse(domain_xml, True)
        return minidom.parseString(domain_xml)
    except ExpatError as error:
        raise HookError("the domain XML does not parse (%s)" % error)
    except UnicodeError:
        raise HookError("the domain XML is not valid UTF-8 text")


def find_pool_disks(domain):
    found = []
    seen = set()
    for devices in child_elements(domain, "devices"):
        for disk in child_elements(devices, "disk"):
            alias = first_child(disk, "alias")
            name = alias.getAttribute("name") if alias is not None else ""
            pool = name[len(ALIAS_PREFIX):]
            # Only ua-libpool-<pool name> is a pool's disk. Every other name libpool adds is
            # libpool--<what> (VmContract's rule), e.g. the cloud-init volume ua-libpool--cloudinit:
            # no pool name starts with '-', so those are KubeVirt's disks and stay as they are.
            if not name.startswith(ALIAS_PREFIX) or not POOL_NAME.match(pool):
                continue
            if pool in seen:
                raise HookError("pool %r is attached by two disks; keep one volume libpool-%s"
                                % (pool, pool))
            seen.add(pool)
            found.append((pool, disk))
    return found


def disk_source_file(pool, disk):
    source = first_child(disk, "source")
    path = source.getAttribute("file") if source is not None else ""
    if disk.getAttribute("type") != "file" or disk.getAttribute("device") not in ("", "disk") \
            or not path:
        raise HookError("disk ua-libpool-%s must be a file disk with <source file=...> (a KubeVirt "
                        "hostDisk of type Disk); got type=%r device=%r"
                        % (pool, disk.getAttribute("type"), disk.getAttribute("device")))
    return path


class VmiAnnotations:
    """The VMI's annotations, parsed only when a size is not readable from the pool file."""

    def __init__(self, vmi_json):
        self._json = vmi_json
        self._annotations = None

    def get(self, key):
        if self._annotations is None:
            try:
                vmi = json.loads(self._json)
            except ValueError as error:
                raise HookError("--vmi is not valid JSON (%s)" % error)
            metadata = vmi.get("metadata") if isinstance(vmi, dict) else None
            annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
            self._annotations = annotations if isinstance(annotations, dict) else {}
        return self._annotations.get(key)


def pool_size(pool, path, vmi):
    """The device size: the pool file's size when this container sees it, else the annotation."""
    try:
        info = os.stat(path)
    except OSError:
        info = None
    if info is not None:
        if not stat.S_ISREG(info.st_mode):
            raise HookError("pool %r: %s is not a regular file" % (pool, path))
        return checked_size(pool, info.st_size, "the size of " + path)
    key = SIZE_ANNOTATION_PREFIX + pool
    value = vmi.get(key)
    if value is None:
        raise HookError("pool %r: %s is not visible here and the VMI has no annotation %s "
                        "(decimal bytes); the operator sets it, check the VM template"
                        % (pool, path, key))
    if not isinstance(value, str) or not re.match(r"^[0-9]+$", value):
        raise HookError("pool %r: annotation %s=%r must be a decimal number of bytes"
                        % (pool, key, value))
    return checked_size(pool, int(value), "annotation " + key)


def checked_size(pool, size, origin):
    if size <= 0 or size % DEVICE_ALIGN:
        raise HookError("pool %r: %s is %d bytes, expected a positive multiple of 2 MiB (the node "
                        "daemon pads pool images to 2 MiB)" % (pool, origin, size))
    return size


class QemuCommandline:
    """The domain's <qemu:commandline>, created on demand with the prefix the document binds."""

    def __init__(self, document):
        self._document = document
        self._domain = document.documentElement
        existing = [n for n in element_children(self._domain)
                    if n.namespaceURI == QEMU_NS and n.localName == "commandline"]
        self._element = existing[0] if existing else None
        self._prefix = self._element.prefix if self._element is not None else self._bind_prefix()

    def _bind_prefix(self):
        for name, value in self._domain.attributes.items():
            if name.startswith("xmlns:") and value == QEMU_NS:
                return name[len("xmlns:"):]
        bound = self._domain.getAttribute("xmlns:qemu")
        if bound:
            raise HookError("prefix qemu is bound to %r, expected %s" % (bound, QEMU_NS))
        self._domain.setAttribute("xmlns:qemu", QEMU_NS)
        return "qemu"

    def _qname(self, local):
        return "%s:%s" % (self._prefix, local) if self._prefix else local

    def _args(self):
        if self._element is None:
            return []
        return [n for n in element_children(self._element)
                if n.namespaceURI == QEMU_NS and n.localName == "arg"]

    def replace_pool_device(self, pool, path, size):
        """Adds (or refreshes) the pool's backend and device; True when it was not there."""
        memdev, device = "libpool-%s-mem" % pool, "libpool-%s-pmem" % pool
        stale = self._remove_pairs(lambda opts: opts.get("id") in (memdev, device))
        if self._element is None:
            self._element = self._document.createElementNS(QEMU_NS, self._qname("commandline"))
            append_indented(self._domain, self._element)
        # Same options as the domain that booted with DAX (fixtures/libvirt); commas in a QEMU
        # option value are escaped by doubling them.
        backend = "memory-backend-file,id=%s,share=on,readonly=on,mem-path=%s,size=%d" % (
            memdev, path.replace(",", ",,"), size)
        # An explicit slot: QEMU creates this keyval -device before libvirt's JSON ones, so without an
        # address it takes slot 1, which libvirt gave its own pcie-root-port, and QEMU refuses to start.
        bus = "pcie.0" if is_q35(self._domain) else "pci.0"
        slot = free_root_slot(self._domain, self._device_slots())
        pmem = "virtio-pmem-pci,memdev=%s,id=%s,bus=%s,addr=%#x" % (memdev, device, bus, slot)
        for value in ("-object", backend, "-device", pmem):
            arg = self._document.createElementNS(QEMU_NS, self._qname("arg"))
            arg.setAttribute("value", value)
            append_indented(self._element, arg)
        return not stale

    def _device_slots(self):
        """Root-bus slots that -device arguments on the command line hold (QEMU reads addr in hex)."""
        used = set()
        args = self._args()
        for flag, value in zip(args, args[1:]):
            if flag.getAttribute("value") != "-device":
                continue
            opts = qemu_options(value.getAttribute("value"))
            match = re.match(r"^(0[xX])?([0-9a-fA-F]{1,2})(\.[0-7])?$", opts.get("addr", ""))
            if match and opts.get("bus", "pcie.0") in ("pcie.0", "pci.0"):
                used.add(int(match.group(2), 16))
        return used

    def _remove_pairs(self, matches):
        args = self._args()
        removed = False
        for flag, value in zip(args, args[1:]):
            if flag.getAttribute("value") in ("-object", "-device") \
                    and matches(qemu_options(value.getAttribute("value"))):
                remove_node(flag)
                remove_node(value)
                removed = True
        return removed

    def libpool_device_sizes(self):
        """Sizes of all libpool backends on the command line (pools of this and earlier runs)."""
        sizes = []
        for arg in self._args():
            value = arg.getAttribute("value")
            opts = qemu_options(value)
            if value.startswith("memory-backend-file,") and opts.get("id", "").startswith(
                    "libpool-") and opts.get("size", "").isdigit():
                sizes.append(int(opts["size"]))
        return sizes


def is_q35(domain):
    os_element = first_child(domain, "os")
    type_element = first_child(os_element, "type") if os_element is not None else None
    return "q35" in (type_element.getAttribute("machine") if type_element is not None else "")


def free_root_slot(domain, taken_by_commandline):
    """The highest root-bus slot that no <address> of the domain, no -device and nothing libvirt will
    assign (bottom up: on i440fx a slot per device without an address, on q35 a slot per eight root
    ports plus the devices that sit on pcie.0 itself) can take."""
    q35 = is_q35(domain)
    taken = set(BUILTIN_SLOTS["q35" if q35 else "i440fx"]) | taken_by_commandline
    unaddressed, whole_slots = 0, 0
    usb_controllers, graphics, videos = 0, 0, 0
    for devices in child_elements(domain, "devices"):
        for device in element_children(devices):
            if device.namespaceURI is not None:
                continue
            if device.localName == "controller" and device.getAttribute("type") == "usb":
                usb_controllers += 1
            graphics += device.localName == "graphics"
            videos += device.localName == "video"
            address = first_child(device, "address")
            if address is None:
                if not q35:
                    unaddressed += may_take_a_slot(device)
                elif q35_fixed_slot(device) is not None:
                    taken.add(q35_fixed_slot(device))
                elif may_take_a_slot(device) and q35_on_root_bus(device):
                    whole_slots += 1
                else:
                    unaddressed += may_take_a_slot(device)
            elif address.getAttribute("type") == "pci":
                slot = root_bus_slot(address)
                if slot is not None:
                    taken.add(slot)
    unaddressed += drive_controller_slots(domain)
    if q35 and usb_controllers == 0:
        taken.add(0x1d)  # libvirt's default USB controller: ich9-ehci1 where QEMU lacks qemu-xhci
    if q35 and graphics and not videos:
        whole_slots += 1  # the video libvirt adds for graphics goes to slot 1
    if q35:
        ports = unaddressed + IMPLICIT_DEVICES + 1  # + a pcie-to-pci-bridge for conventional PCI devices
        placed = -(-ports // ROOT_PORT_FUNCTIONS) + whole_slots + Q35_MARGIN_SLOTS
    else:
        placed = unaddressed + IMPLICIT_DEVICES
    free = [slot for slot in range(ROOT_BUS_SLOTS) if slot not in taken]
    libvirts = set(free[:placed])
    for slot in reversed(free):
        if slot not in libvirts:
            return slot
    raise HookError("no PCI slot on the root bus is surely free for the pool device: the domain holds "
                    "%d explicit root-bus addresses and %d devices libvirt will place, which take %d "
                    "slots; move some devices behind a PCIe root port or bridge"
                    % (len(taken), unaddressed + whole_slots, placed))


def q35_on_root_bus(device):
    """Whether libvirt puts this device without an address on pcie.0 itself rather than behind a root
    port: the primary video, a dmi-to-pci-bridge or expander bus."""
    if device.localName == "video":
        return True
    return device.localName == "controller" and device.getAttribute("model") in Q35_ON_ROOT_BUS


def q35_fixed_slot(device):
    """The root-bus slot libvirt gives an ICH9 integrated device without an address on q35, or None."""
    if device.localName == "sound":
        return Q35_FIXED_SLOTS.get(("sound", device.getAttribute("model")))
    if device.localName == "controller" and device.getAttribute("type") == "usb":
        return Q35_FIXED_SLOTS.get(("controller", device.getAttribute("model")))
    return None


def drive_controller_slots(domain):
    """Root-bus slots the SATA and SCSI controllers of the domain's disks may take. libvirt gives such a disk
    controller index/units of its target name (sda = 0, sdz = 25, sdaa = 26) or the controller of its drive
    <address>, and adds every controller up to the highest index; each is a PCI device it places itself,
    unless the domain gives it a PCI address (then it is counted with the addresses) or the machine has it
    built in (q35's first SATA controller at 0x1f)."""
    machine = "q35" if is_q35(domain) else "i440fx"
    slots = 0
    for bus, units in DRIVE_BUS_UNITS.items():
        highest = -1
        placed_elsewhere = set(BUILTIN_CONTROLLERS.get((machine, bus), ()))
        for devices in child_elements(domain, "devices"):
            for device in element_children(devices):
                if device.namespaceURI is not None:
                    continue
                address = first_child(device, "address")
                if device.localName == "controller" and device.getAttribute("type") == bus:
                    index = small_int(device.getAttribute("index") or "0")
                    highest = max(highest, index)
                    if address is not None and address.getAttribute("type") == "pci":
                        placed_elsewhere.add(index)
                target = first_child(device, "target") if device.localName == "disk" else None
                if target is None or target.getAttribute("bus") != bus:
                    continue
                if address is not None and address.getAttribute("type") == "drive":
                    highest = max(highest, small_int(address.getAttribute("controller") or "0"))
                else:
                    highest = max(highest, disk_index(target.getAttribute("dev")) // units)
        slots += len([index for index in range(highest + 1) if index not in placed_elsewhere])
    return slots


def disk_index(dev):
    """sda -> 0, sdz -> 25, sdaa -> 26 (libvirt's virDiskNameToIndex); an unknown name counts as 0."""
    letters = dev[2:] if dev[:2] in ("sd", "hd", "vd") else ""
    if not letters or not letters.isalpha() or not letters.islower() or len(letters) > 4:
        return 0
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("a") + 1)
    return index - 1


def small_int(text):
    """A controller index as libvirt reads it; absurd values are capped so a hostile domain cannot make
    the hook reserve more than the root bus holds."""
    try:
        return min(c_number(text), ROOT_BUS_SLOTS)
    except ValueError:
        raise HookError("controller index %r is not numeric" % text)


def may_take_a_slot(device):
    """1 when libvirt may give this device without an <address> a root-bus PCI slot of its own."""
    name = device.localName
    model = first_child(device, "model")
    if name in NEVER_PCI:
        return 0
    if name == "disk":
        target = first_child(device, "target")
        return 1 if target is not None and target.getAttribute("bus") == "virtio" else 0
    if name == "controller":
        kind, model_name = device.getAttribute("type"), device.getAttribute("model")
        builtin = kind in ("ide", "fdc", "ccid", "xenbus", "isa") or model_name in ("none", "pci-root", "pcie-root")
        return 0 if builtin or kind in DRIVE_BUS_UNITS else 1
    if name in ("memballoon", "watchdog") and device.getAttribute("model") in ("none", "itco", "ib700", "diag288"):
        return 0
    if name == "video" and model is not None and model.getAttribute("type") == "none":
        return 0
    if name == "input" and device.getAttribute("bus") != "virtio":
        return 0
    return 1


def root_bus_slot(address):
    """The slot of a PCI <address> on domain 0, bus 0, or None (libvirt reads the numbers like strtoul
    with base 0: 0x.. hex, 0.. octal, else decimal)."""
    try:
        domain_number = c_number(address.getAttribute("domain") or "0")
        bus = c_number(address.getAttribute("bus") or "0")
        slot = c_number(address.getAttribute("slot") or "0")
    except ValueError:
        raise HookError("PCI <address> with domain=%r bus=%r slot=%r is not numeric"
                        % (address.getAttribute("domain"), address.getAttribute("bus"),
                           address.getAttribute("slot")))
    return slot if domain_number == 0 and bus == 0 else None


def c_number(text):
    text = text.strip()
    if text.lower().startswith("0x"):
        return int(text[2:], 16)
    if len(text) > 1 and text.startswith("0"):
        return int(text[1:], 8)
    return int(text, 10)


def qemu_options(value):
    """key=value options of a QEMU option string (",," is an escaped comma)."""
    options = {}
    for part in value.replace(",,", "\0").split(","):
        key, sep, val = part.partition("=")
        if sep:
            options[key] = val.replace("\0", ",")
    return options


def guest_ram_bytes(domain):
    cells = numa_cells(domain)
    if cells:
        # With NUMA cells libvirt takes the guest RAM from them, whatever <memory> says.
        return sum(scaled(cell, cell.getAttribute("memory"), "NUMA cell memory") for cell in cells)
    memory = first_child(domain, "memory")
    if memory is None:
        raise HookError("the domain has neither <memory> nor NUMA cells; cannot size the device "
                        "memory for virtio-pmem")
    return scaled(memory, text_of(memory), "<memory>")


def numa_cells(domain):
    cpu = first_child(domain, "cpu")
    numa = first_child(cpu, "numa") if cpu is not None else None
    return child_elements(numa, "cell") if numa is not None else []


def ensure_numa(document, domain, ram):
    """One NUMA cell with every vCPU and all RAM, unless the domain already has cells."""
    if numa_cells(domain):
        return
    if ram % KIB:
        raise HookError("guest memory %d bytes is not a whole number of KiB" % ram)
    vcpu = first_child(domain, "vcpu")
    try:
        vcpus = int(text_of(vcpu)) if vcpu is not None else 1
    except ValueError:
        raise HookError("<vcpu> %r is not a number" % text_of(vcpu))
    if vcpus < 1:
        raise HookError("<vcpu> must be at least 1")
    cpu = first_child(domain, "cpu")
    if cpu is None:
        cpu = document.createElement("cpu")
        append_indented(domain, cpu)
    numa = first_child(cpu, "numa")
    if numa is None:
        numa = document.createElement("numa")
        append_indented(cpu, numa)
    cell = document.createElement("cell")
    cell.setAttribute("id", "0")
    cell.setAttribute("cpus", "0" if vcpus == 1 else "0-%d" % (vcpus - 1))
    cell.setAttribute("memory", str(ram // KIB))
    cell.setAttribute("unit", "KiB")
    append_indented(numa, cell)


def ensure_max_memory(document, domain, ram, libpool_sizes, added):
    """<maxMemory> large enough for RAM, memory devices and every pool; slots counted."""
    devices_memory, memory_devices = 0, 0
    for devices in child_elements(domain, "devices"):
        for device in child_elements(devices, "memory"):
            memory_devices += 1
            target = first_child(device, "target")
            size = first_child(target, "size") if target is not None else None
            if size is not None:
                devices_memory += scaled(size, text_of(size), "memory device size")
    needed = round_up(ram + devices_memory + sum(libpool_sizes), MAXMEM_ALIGN)
    added_bytes = sum(size for _, _, size in added)
    max_memory = first_child(domain, "maxMemory")
    if max_memory is None:
        max_memory = document.createElement("maxMemory")
        memory = first_child(domain, "memory")
        insert_indented(domain, max_memory, before=memory)
        current, slots = 0, 0
    else:
        current = scaled(max_memory, text_of(max_memory), "<maxMemory>")
        try:
            slots = int(max_memory.getAttribute("slots") or "0")
        except ValueError:
            raise HookError("<maxMemory slots=%r> is not a number" % max_memory.getAttribute("slots"))
    # Keep whatever headroom the domain already reserved (memory hotplug) and add the pools.
    total = max(current + added_bytes, needed)
    max_memory.setAttribute("slots", str(max(slots + len(added), memory_devices + len(libpool_sizes))))
    max_memory.setAttribute("unit", "KiB")
    set_text(document, max_memory, str(round_up(total, KIB) // KIB))


def scaled(element, text, what):
    unit = element.getAttribute("unit") or "KiB"
    factor = UNITS.get(unit.lower())
    if factor is None:
        raise HookError("%s has unknown unit %r" % (what, unit))
    try:
        value = int(text.strip())
    except ValueError:
        raise HookError("%s %r is not a number" % (what, text))
    return value * factor


def round_up(value, alignment):
    return -(-value // alignment) * alignment


# --- small DOM helpers ----------------------------------------------------------------------

def element_children(parent):
    return [n for n in parent.childNodes if n.nodeType == n.ELEMENT_NODE]


def child_elements(parent, local_name):
    """Children in no namespace (libvirt's own elements) with that name."""
    return [n for n in element_children(parent)
            if n.namespaceURI is None and n.localName == local_name]


def first_child(parent, local_name):
    found = child_elements(parent, local_name)
    return found[0] if found else None


def text_of(element):
    return "".join(n.data for n in element.childNodes if n.nodeType == n.TEXT_NODE)


def set_text(document, element, text):
    for node in list(element.childNodes):
        element.removeChild(node)
    element.appendChild(document.createTextNode(text))


def remove_node(node):
    """Removes an element together with the indentation in front of it."""
    parent = node.parentNode
    previous = node.previousSibling
    if previous is not None and previous.nodeType == previous.TEXT_NODE \
            and not previous.data.strip():
        parent.removeChild(previous)
    parent.removeChild(node)


def indentation(parent):
    """(indent of children, indent of the closing tag) as the parent's existing layout has it."""
    texts = [n.data for n in parent.childNodes if n.nodeType == n.TEXT_NODE and not n.data.strip()]
    if texts and "\n" in texts[0]:
        child = "\n" + texts[0].rsplit("\n", 1)[1]
        closing = "\n" + texts[-1].rsplit("\n", 1)[1] if "\n" in texts[-1] else child
        return child, closing
    depth = 0
    node = parent
    while node.parentNode is not None and node.parentNode.nodeType == node.ELEMENT_NODE:
        depth += 1
        node = node.parentNode
    return "\n" + "  " * (depth + 1), "\n" + "  " * depth


def insert_indented(parent, child, before=None):
    if before is None:
        append_indented(parent, child)
        return
    indent, _ = indentation(parent)
    document = parent.ownerDocument
    parent.insertBefore(child, before)
    parent.insertBefore(document.createTextNode(indent), before)


def append_indented(parent, child):
    indent, closing = indentation(parent)
    document = parent.ownerDocument
    last = parent.lastChild
    if last is not None and last.nodeType == last.TEXT_NODE and not last.data.strip():
        parent.insertBefore(document.createTextNode(indent), last)
        parent.insertBefore(child, last)
    else:
        parent.appendChild(document.createTextNode(indent))
        parent.appendChild(child)
        parent.appendChild(document.createTextNode(closing))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
