package dev.libpool.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --swiotlb-noforce} edits the guest's bootloader configuration for the next boot, once.
 * Run against a temporary guest root (LIBPOOL_ROOT, whose proc/cmdline stands for the running
 * kernel's), where the script edits files only and never runs the system's bootloader tools.
 */
class BootstrapKernelCmdlineIT {

    @Test
    void addsSwiotlbNoforceOnceToKernelCmdline(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("root");
        GuestTree.write(root.resolve("etc/kernel/cmdline"), "root=/dev/vda1 quiet\n".getBytes());
        run(dir, root);
        run(dir, root);
        assertThat(Files.readString(root.resolve("etc/kernel/cmdline"))).isEqualTo("root=/dev/vda1 quiet swiotlb=noforce\n");
    }

    @Test
    void addsSwiotlbNoforceOnceToDefaultGrub(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("root");
        GuestTree.write(root.resolve("etc/default/grub"),
                "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0\"\n".getBytes());
        Processes.Result first = run(dir, root);
        run(dir, root);
        assertThat(Files.readString(root.resolve("etc/default/grub"))).isEqualTo(
                "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\nGRUB_CMDLINE_LINUX=\"console=ttyS0 swiotlb=noforce\"\n");
        assertThat(first.stdout()).as("no device here: the boot still continues").contains("not attached");
    }

    @Test
    void changesNothingWhenTheRunningKernelAlreadyHasIt(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("root");
        GuestTree.write(root.resolve("proc/cmdline"), "console=ttyS0 swiotlb=noforce\n".getBytes());
        GuestTree.write(root.resolve("etc/kernel/cmdline"), "root=/dev/vda1\n".getBytes());
        run(dir, root);
        assertThat(Files.readString(root.resolve("etc/kernel/cmdline"))).isEqualTo("root=/dev/vda1\n");
    }

    @Test
    void saysSoWhenNoBootloaderConfigurationIsKnown(@TempDir Path dir) {
        Processes.Result result = run(dir, dir.resolve("root"));
        assertThat(result.stdout()).contains("add swiotlb=noforce to the kernel command line yourself");
    }

    private static Processes.Result run(Path dir, Path root) {
        Path script = dir.resolve("bootstrap.sh");
        GuestTree.write(script, GuestScripts.bootstrapScript().getBytes());
        GuestTree.mkdirs(dir.resolve("no-devices"));
        Processes.Result result = Processes.run(List.of("sh", script.toString(), "--swiotlb-noforce", "base"), Map.of(
                "LIBPOOL_ROOT", root.toString(), "LIBPOOL_DEV_DIR", dir.resolve("no-devices").toString(),
                "LIBPOOL_MODPROBE", "false"));
        assertThat(result.exitCode()).as("%s", result).isZero();
        return result;
    }
}
