package dev.libpool.e2e.lab;

import java.nio.file.Path;

/**
 * The libvirt domain of a distribution guest as virt-launcher would hand it to the hook: TCG, the image's
 * own kernel and initramfs (direct kernel boot, root on partition 1 of the virtio disk), the NoCloud seed
 * as a SATA CD-ROM, the pool as a KubeVirt hostDisk, the console on the first serial port and the test
 * probe's output on the second. A reboot restarts the guest (cloud-init's first boot, then the second).
 */
final class DistroDomainXml {
    private DistroDomainXml() {
    }

    /**
     * @param probe    true: the test probe runs in the guest (kernel command line {@code libpool_e2e.probe=1})
     * @param pool     the pool's name (the probe reads it from the kernel command line)
     * @param poolFile the published pool file (hostDisk source), or null for a guest on its own disk
     */
    static String render(String domainName, int memoryMiB, DebianCloudImage image, Path disk, Path seed,
                         Path console, Path probeLog, boolean probe, String pool, Path poolFile) {
        String cmdline = "console=ttyS0 root=LABEL=" + DebianCloudImage.ROOT_LABEL + " rw " + DomainXml.SWIOTLB
                + " panic=-1 quiet loglevel=4 libpool_e2e.pool=" + pool + (probe ? " " + DebianCloudImage.PROBE_CMDLINE : "");
        return """
                <domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
                  <name>%s</name>
                  <memory unit='MiB'>%d</memory>
                  <currentMemory unit='MiB'>%d</currentMemory>
                  <vcpu placement='static'>1</vcpu>
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
                  <on_reboot>restart</on_reboot>
                  <on_crash>destroy</on_crash>
                  <devices>
                    <emulator>/usr/bin/qemu-system-x86_64</emulator>
                    <disk type='file' device='disk'>
                      <driver name='qemu' type='qcow2'/>
                      <source file='%s'/>
                      <target dev='vda' bus='virtio'/>
                    </disk>
                    <disk type='file' device='cdrom'>
                      <driver name='qemu' type='raw'/>
                      <source file='%s'/>
                      <target dev='sda' bus='sata'/>
                      <readonly/>
                    </disk>
                %s    <controller type='usb' model='none'/>
                    <serial type='file'>
                      <source path='%s'/>
                      <target port='0'/>
                    </serial>
                    <serial type='file'>
                      <source path='%s'/>
                      <target port='1'/>
                    </serial>
                    <memballoon model='none'/>
                  </devices>
                </domain>
                """.formatted(domainName, memoryMiB, memoryMiB, DomainXml.xml(image.vmlinuz().toString()),
                DomainXml.xml(image.initrd().toString()), DomainXml.xml(cmdline), DomainXml.xml(disk.toString()),
                DomainXml.xml(seed.toString()), poolFile == null ? "" : DomainXml.poolDisk(pool, poolFile), DomainXml.xml(console.toString()),
                DomainXml.xml(probeLog.toString()));
    }
}
