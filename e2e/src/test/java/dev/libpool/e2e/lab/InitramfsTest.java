package dev.libpool.e2e.lab;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InitramfsTest {
    /** The relevant lines of a real modules.dep (Debian 6.1), the deepest dependency last. */
    private static final String MODULES_DEP = String.join("\n",
            "kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko "
                    + "kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko "
                    + "kernel/drivers/virtio/virtio_ring.ko",
            "kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko",
            "kernel/crypto/crc32c_generic.ko:",
            "kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko",
            "kernel/drivers/nvdimm/virtio_pmem.ko: kernel/drivers/nvdimm/nd_virtio.ko kernel/drivers/nvdimm/libnvdimm.ko "
                    + "kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko",
            "kernel/drivers/nvdimm/nd_pmem.ko: kernel/drivers/nvdimm/nd_btt.ko kernel/drivers/nvdimm/libnvdimm.ko",
            "kernel/drivers/nvdimm/nd_btt.ko: kernel/drivers/nvdimm/libnvdimm.ko",
            "kernel/drivers/nvdimm/libnvdimm.ko:",
            "kernel/fs/erofs/erofs.ko: kernel/lib/libcrc32c.ko",
            "kernel/drivers/virtio/virtio_balloon.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko",
            "kernel/drivers/virtio/virtio.ko:", "kernel/drivers/virtio/virtio_ring.ko:",
            "kernel/drivers/virtio/virtio_pci_legacy_dev.ko:", "kernel/drivers/virtio/virtio_pci_modern_dev.ko:",
            "kernel/lib/crc16.ko:", "kernel/fs/mbcache.ko:", "kernel/fs/jbd2/jbd2.ko:", "kernel/lib/libcrc32c.ko:",
            "kernel/drivers/nvdimm/nd_virtio.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko",
            "");

    @Test
    void loadsEveryModuleOnceAfterItsDependencies(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("modules.dep"), MODULES_DEP);

        var order = Initramfs.loadOrder(dir).stream().map(f -> Path.of(f).getFileName().toString()).toList();

        assertThat(order).doesNotHaveDuplicates()
                .contains("virtio_ring.ko", "jbd2.ko", "nd_btt.ko", "libcrc32c.ko", "nd_virtio.ko");
        assertThat(order.indexOf("virtio_ring.ko")).isLessThan(order.indexOf("virtio.ko"));
        assertThat(order.indexOf("virtio.ko")).isLessThan(order.indexOf("virtio_pci.ko"));
        assertThat(order.indexOf("libnvdimm.ko")).isLessThan(order.indexOf("nd_btt.ko"));
        assertThat(order.indexOf("nd_btt.ko")).isLessThan(order.indexOf("nd_pmem.ko"));
        assertThat(order.indexOf("jbd2.ko")).isLessThan(order.indexOf("ext4.ko"));
        assertThat(order.indexOf("libcrc32c.ko")).isLessThan(order.indexOf("erofs.ko"));
        assertThat(order.get(order.size() - 1)).as("the last of Initramfs.MODULES").isEqualTo("virtio_balloon.ko");
    }

    @Test
    void aModuleThatIsBuiltInIsNotLoadedAndAMissingOneIsAnError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("modules.dep"), MODULES_DEP.replace("kernel/fs/erofs/erofs.ko: kernel/lib/libcrc32c.ko\n", ""));
        Files.writeString(dir.resolve("modules.builtin"), "kernel/fs/erofs/erofs.ko\n");

        assertThat(Initramfs.loadOrder(dir)).noneMatch(f -> f.endsWith("erofs.ko"));

        Files.delete(dir.resolve("modules.builtin"));
        assertThatThrownBy(() -> Initramfs.loadOrder(dir)).isInstanceOf(LabException.class)
                .hasMessageContaining("erofs").hasMessageContaining("modules.dep");
    }
}
