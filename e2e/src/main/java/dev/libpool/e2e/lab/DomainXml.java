package dev.libpool.e2e.lab;

import dev.libpool.api.v1alpha1.VmContract;
import java.nio.file.Path;

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
     * @param pool     the pool name, or null for an own-disk guest
     * @param poolFile the published pool file (hostDisk source), or null
     */
    static String render(String domainName, GuestSpec spec, Path kernel, Path initrd, Path rootDisk, Path serialLog,
                         String pool, Path poolFile) {
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
                pool == null ? "" : poolDisk(pool, poolFile), xml(serialLog.toString()));
        return domain(domainName, spec.memoryMiB(), memoryBacking, kernel, initrd,
                KERNEL_ARGS + " libpool_e2e.pool=" + (pool == null ? "none" : pool), "destroy", devices);
    }

    /**
     * The frame every lab domain shares: TCG with a 64 MiB translation cache, one vCPU, q35, direct kernel
     * boot, no USB and no balloon.
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
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """.formatted(name, memoryMiB, memoryMiB, memoryBacking, xml(kernel.toString()), xml(initrd.toString()),
                xml(cmdline), onReboot, devices);
    }

    /** The pool as virt-launcher lists a KubeVirt hostDisk volume {@code libpool-<pool>}: what the hook rewrites. */
    static String poolDisk(String pool, Path poolFile) {
        return """
                    <disk device="disk" type="file">
                      <source file="%s"></source>
                      <target bus="virtio" dev="vdb"></target>
                      <driver error_policy="stop" name="qemu" type="raw" discard="unmap"></driver>
                      <alias name="%s"></alias>
                    </disk>
                """.formatted(xml(poolFile.toString()), VmContract.diskAlias(pool));
    }

    static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&apos;").replace("\"", "&quot;");
    }
}
