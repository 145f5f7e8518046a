package dev.libpool.e2e.lab;

import dev.libpool.api.v1alpha1.VmContract;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The libvirt domain of a test guest as virt-launcher would hand it to the hook: TCG (domain type qemu,
 * 64 MiB translation cache), direct kernel boot, the root disk on virtio, the serial console into a file,
 * reboot = destroy (the guest powers off with sysrq b), and, for a pool guest, the pool file as a
 * KubeVirt hostDisk {@code <disk>} with alias {@code ua-libpool-<pool>} that the hook turns into
 * read-only virtio-pmem.
 */
final class DomainXml {
    /** swiotlb=noforce: virtio-pmem's device memory above 4 GiB would otherwise cost a 64 MiB bounce buffer. */
    static final String SWIOTLB = "swiotlb=noforce";
    static final String KERNEL_ARGS = "console=ttyS0 " + SWIOTLB + " panic=-1 quiet loglevel=4";

    private DomainXml() {
    }

    /**
     * A KubeVirt hostDisk volume as virt-launcher renders it: a file {@code <disk>} with alias {@code ua-<volume>}.
     *
     * @param source the file as QEMU opens it
     */
    record HostDisk(String volume, Path source) {
        static List<HostDisk> ofPool(String pool, Path poolFile) {
            return pool == null ? List.of() : List.of(new HostDisk(VmContract.volumeName(pool), poolFile));
        }
    }

    /**
     * @param pool  the pool the guest attaches (its init reads the name from the kernel command line), or null
     * @param disks the hostDisk volumes, after the root disk (vdb, vdc, ...)
     */
    static String render(String domainName, GuestSpec spec, Path kernel, Path initrd, Path rootDisk, Path serialLog,
                         String pool, List<HostDisk> disks) {
        String backing = (spec.ksmMergeable() ? "" : "    <nosharepages/>\n")
                + (spec.sharedMemfd() ? "    <source type='memfd'/>\n    <access mode='shared'/>\n" : "");
        String memoryBacking = backing.isEmpty() ? "" : "  <memoryBacking>\n" + backing + "  </memoryBacking>\n";
        String devices = """
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='%s'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                %s    <serial type='file'>
                      <source path='%s'/>
                      <target port='0'/>
                    </serial>
                """.formatted(rootDisk.toString().endsWith(".qcow2") ? "qcow2" : "raw", xml(rootDisk.toString()),
                disks.stream().map(d -> hostDisk(d, (char) ('b' + disks.indexOf(d)))).collect(Collectors.joining()),
                xml(serialLog.toString()));
        return domain(domainName, spec.memoryMiB(), memoryBacking, kernel, initrd, cmdline(pool), "destroy", devices);
    }

    /** The lab guest's kernel command line: its init attaches POOL (null: none). */
    static String cmdline(String pool) {
        return KERNEL_ARGS + " libpool_e2e.pool=" + (pool == null ? "none" : pool);
    }

    /**
     * The frame every lab domain shares: TCG with a 64 MiB translation cache, one vCPU, q35, direct kernel
     * boot, no USB, and the balloon KubeVirt gives every VM: virtio with free page reporting, so freed guest
     * pages go back to the host in both the own-disk and the pool modes.
     *
     * @param memoryBacking a {@code <memoryBacking>} element or ""
     * @param onReboot      what a guest reboot does: destroy, or restart
     * @param devices       the {@code <devices>} children after the emulator, indented by 4
     */
    static String domain(String name, int memoryMiB, String memoryBacking, Path kernel, Path initrd, String cmdline,
                         String onReboot, String devices) {
        return """
                <domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
                  <name>%s</name>
                  <memory unit='MiB'>%d</memory>
                  <currentMemory unit='MiB'>%d</currentMemory>
                %s  <vcpu placement='static'>1</vcpu>
                  <os>
                    <type arch='x86_64' machine='q35'>hvm</type>
                    <kernel>%s</kernel>
                    <initrd>%s</initrd>
                    <cmdline>%s</cmdline>
                  </os>
                  <features>
                    <acpi/>
                    <tcg>
                      <tb-cache unit='MiB'>64</tb-cache>
                    </tcg>
                  </features>
                  <cpu mode='maximum' check='none'/>
                  <on_poweroff>destroy</on_poweroff>
                  <on_reboot>%s</on_reboot>
                  <on_crash>destroy</on_crash>
                  <devices>
                    <emulator>/usr/bin/qemu-system-x86_64</emulator>
                %s    <controller type='usb' model='none'/>
                    <memballoon model='virtio' freePageReporting='on'/>
                  </devices>
                </domain>
                """.formatted(name, memoryMiB, memoryMiB, memoryBacking, xml(kernel.toString()), xml(initrd.toString()),
                xml(cmdline), onReboot, devices);
    }

    /** The pool as virt-launcher lists a KubeVirt hostDisk volume {@code libpool-<pool>}: what the hook rewrites. */
    static String poolDisk(String pool, Path poolFile) {
        return hostDisk(new HostDisk(VmContract.volumeName(pool), poolFile), 'b');
    }

    private static String hostDisk(HostDisk disk, char letter) {
        return """
                    <disk device="disk" type="file">
                      <source file="%s"></source>
                      <target bus="virtio" dev="vd%c"></target>
                      <driver error_policy="stop" name="qemu" type="raw" discard="unmap"></driver>
                      <alias name="ua-%s"></alias>
                    </disk>
                """.formatted(xml(disk.source().toString()), letter, xml(disk.volume()));
    }

    static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
