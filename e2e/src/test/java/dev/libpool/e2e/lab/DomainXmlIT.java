package dev.libpool.e2e.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The lab's domains (busybox and Debian guests), before and after the real hook, are valid for libvirt's own schema. */
class DomainXmlIT {
    private static final Path KERNEL = Path.of("/cache/vmlinuz");
    private static final Path INITRD = Path.of("/cache/initramfs.cpio.gz");

    @Test
    void ownDiskAndHookedPoolDomainsValidate(@TempDir Path dir) throws IOException {
        boolean tools = Command.exec(Duration.ofSeconds(10), "/bin/sh", "-c", "command -v virt-xml-validate").ok()
                && Files.isExecutable(Path.of("/usr/bin/python3"));
        if (!tools) {
            System.out.println("DomainXmlIT skipped: virt-xml-validate (libvirt-clients, libxml2-utils) or python3 missing");
        }
        assumeTrue(tools, "virt-xml-validate or python3 missing");
        Path poolFile = dir.resolve("pool.img");
        try (RandomAccessFile file = new RandomAccessFile(poolFile.toFile(), "rw")) {
            file.setLength(4L << 20);
        }

        String own = DomainXml.render("e2e-own", GuestSpec.ownDisk("own").sharedMemfdRam(), KERNEL, INITRD,
                dir.resolve("own.qcow2"), dir.resolve("own.log"), null, List.of());
        String launcher = DomainXml.render("e2e-pool", GuestSpec.withPool("pool").withoutKsm(), KERNEL, INITRD,
                dir.resolve("pool.raw"), dir.resolve("pool.log"), "e2e-libs",
                DomainXml.HostDisk.ofPool("e2e-libs", poolFile));
        String hooked = new KubeVirtHook(dir).onDefineDomain(launcher, "pool", "e2e-libs", poolFile);

        assertThat(own).contains("<source type='memfd'/>").doesNotContain("ua-libpool");
        assertThat(launcher).contains("<nosharepages/>", "<alias name=\"ua-libpool-e2e-libs\">", "libpool_e2e.pool=e2e-libs");
        assertThat(hooked).doesNotContain("ua-libpool-e2e-libs")
                .contains("readonly=on", "mem-path=" + poolFile, "virtio-pmem-pci", "<maxMemory");
        DebianCloudImage debian = new DebianCloudImage(dir, dir.resolve("debian.qcow2"), KERNEL, INITRD);
        String distro = DistroDomainXml.render("e2e-debian", 1024, debian, dir.resolve("d.qcow2"), dir.resolve("seed.iso"),
                dir.resolve("console.log"), dir.resolve("probe.log"), true, "e2e-libs", poolFile);
        String distroOwn = DistroDomainXml.render("e2e-debian-own", 1024, debian, dir.resolve("o.qcow2"),
                dir.resolve("seed.iso"), dir.resolve("console.log"), dir.resolve("probe.log"), false, "e2e-libs", null);
        String distroHooked = new KubeVirtHook(dir).onDefineDomain(distro, "debian", "e2e-libs", poolFile);
        assertThat(distro).contains("<on_reboot>restart</on_reboot>", "device='cdrom'", "<target port='1'/>",
                "root=LABEL=debian-root", "libpool_e2e.probe=1", "ua-libpool-e2e-libs");
        assertThat(distroOwn).doesNotContain("ua-libpool", "libpool_e2e.probe=1");
        assertThat(distroHooked).contains("virtio-pmem-pci", "readonly=on");

        for (String xml : new String[] {own, launcher, hooked, distro, distroOwn, distroHooked}) {
            Path file = Files.writeString(Files.createTempFile(dir, "domain", ".xml"), xml);
            Command.Result result = Command.exec(Duration.ofSeconds(60), "virt-xml-validate", file.toString(), "domain");
            assertThat(result.ok()).as("virt-xml-validate:\n" + result.stderr() + result.stdout() + "\n" + xml).isTrue();
        }
    }
}
