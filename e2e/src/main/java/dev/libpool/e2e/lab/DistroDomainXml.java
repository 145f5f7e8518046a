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
        String devices = """
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
                %s    <serial type='file'>
                      <source path='%s'/>
                      <target port='0'/>
                    </serial>
                    <serial type='file'>
                      <source path='%s'/>
                      <target port='1'/>
                    </serial>
                """.formatted(DomainXml.xml(disk.toString()), DomainXml.xml(seed.toString()),
                poolFile == null ? "" : DomainXml.poolDisk(pool, poolFile), DomainXml.xml(console.toString()),
                DomainXml.xml(probeLog.toString()));
        return DomainXml.domain(domainName, memoryMiB, "", image.vmlinuz(), image.initrd(), cmdline, "restart", devices);
    }
}
