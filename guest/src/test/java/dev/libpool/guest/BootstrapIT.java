package dev.libpool.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bootstrap picks THE pool's virtio-pmem device: three block devices (real loop devices holding
 * real EROFS images) behind a sysfs tree shaped like the guest kernel's, one of them not virtio.
 * Runs in a private mount namespace; the loop devices are released when it ends.
 */
class BootstrapIT {

    private static final String VIRTIO_NAMESPACE = "devices/pci0000:00/0000:00:%s.0/virtio%d/ndbus%d/region%d/namespace%d.0";

    @BeforeAll
    static void needsRootAndTools() {
        assumeTrue(MountNamespaceScenario.available(), "needs root and unshare");
        boolean ready = Processes.onPath("mkfs.erofs") && Processes.onPath("losetup")
                && GuestTree.lines(Path.of("/proc/filesystems")).stream().anyMatch(l -> l.endsWith("erofs"));
        if (!ready) {
            System.out.println("SKIP BootstrapIT: needs mkfs.erofs, losetup and a kernel with erofs");
        }
        assumeTrue(ready, "mkfs.erofs, losetup, erofs");
    }

    @Test
    void mountsTheVirtioPmemDeviceOfItsPoolAndRunsItsAttachScript(@TempDir Path dir) throws Exception {
        Path base = image(dir, "base");
        Path other = image(dir, "other");
        Path dev = dir.resolve("dev");
        Path sys = dir.resolve("sys");
        Path root = dir.resolve("root");
        Files.createDirectories(dev);
        Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.createDirectories(root.resolve("etc/apt/apt.conf.d"));
        // pmem0: an e820/NFIT pmem that happens to hold pool base: not virtio, must be ignored.
        sysBlock(sys, "pmem0", "devices/platform/e820_pmem/ndbus0/region0/namespace0.0", null);
        sysBlock(sys, "pmem1", VIRTIO_NAMESPACE.formatted("0f", 3, 1, 1, 1), "virtio_pmem");
        sysBlock(sys, "pmem2", VIRTIO_NAMESPACE.formatted("10", 4, 2, 2, 2), "virtio_pmem");
        Path bootstrap = dir.resolve("bootstrap.sh");
        GuestTree.write(bootstrap, GuestScripts.bootstrapScript().getBytes());
        Path mountPath = root.resolve("run/libpool");
        String env = "export LIBPOOL_ROOT=" + root + " LIBPOOL_DEV_DIR=" + dev + " LIBPOOL_SYS_DIR=" + sys
                + " LIBPOOL_MODPROBE=false LIBPOOL_CONSOLE=" + dir.resolve("console.log") + "; ";

        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, root)
                .setup("L0=$(losetup -f --show -r " + base + ") && L1=$(losetup -f --show -r " + other
                        + ") && L2=$(losetup -f --show -r " + base + ")")
                .setup("trap 'losetup -d $L0 $L1 $L2' EXIT")
                .setup("ln -s $L0 " + dev + "/pmem0 && ln -s $L1 " + dev + "/pmem1 && ln -s $L2 " + dev + "/pmem2")
                .setup("echo $L2 > " + dir.resolve("expected-device"))
                .step("bootstrap", env + "sh " + bootstrap + " --install base " + mountPath)
                .step("again", env + "sh " + bootstrap + " base " + mountPath)
                .step("unknown", env + "sh " + bootstrap + " nosuchpool " + mountPath)
                .step("nodevice", env + "LIBPOOL_DEV_DIR=" + dir.resolve("empty") + " sh " + bootstrap + " base2 "
                        + mountPath)
                .step("usage", env + "sh " + bootstrap + " 'Bad Name'")
                .setup("rm " + dev + "/pmem0 " + dev + "/pmem1 " + dev + "/pmem2");
        scenario.run();

        String expectedDevice = Files.readString(dir.resolve("expected-device")).strip();
        assertThat(scenario.rc("bootstrap")).as(scenario.stderr("bootstrap")).isZero();
        List<MountNamespaceScenario.Mount> mounts = scenario.mounts("bootstrap");
        assertThat(mounts).as("only the pool itself: no DAX here, so no bind mounts").hasSize(1);
        assertThat(mounts.get(0).mountPoint()).isEqualTo(mountPath + "/base");
        assertThat(mounts.get(0).fsType()).isEqualTo("erofs");
        assertThat(mounts.get(0).options()).startsWith("ro");
        assertThat(mountSource(dir, "bootstrap", mountPath + "/base")).isEqualTo(expectedDevice);
        // The pool's own attach.sh ran and failed safe (a loop device has no DAX).
        assertThat(scenario.report("bootstrap").get("status").asText()).isEqualTo("refused");
        assertThat(scenario.report("bootstrap").get("reason").asText()).contains("DAX is not active");
        assertThat(scenario.stdout("bootstrap")).contains("libpool: pool base not attached");
        assertThat(scenario.mounts("again")).as("already mounted: not mounted twice").hasSize(1);

        String unit = Files.readString(root.resolve("etc/systemd/system/libpool-base.service"));
        assertThat(unit).contains("DefaultDependencies=no", "Before=sysinit.target",
                "ExecStart=/usr/local/lib/libpool/bootstrap.sh base " + mountPath);
        assertThat(Files.readSymbolicLink(root.resolve("etc/systemd/system/sysinit.target.wants/libpool-base.service")))
                .isEqualTo(Path.of("/etc/systemd/system/libpool-base.service"));
        assertThat(Files.readString(root.resolve("etc/apt/apt.conf.d/80libpool-base")))
                .contains("DPkg::Pre-Invoke", mountPath + "/base/.libpool/detach.sh", "DPkg::Post-Invoke");
        assertThat(Files.readString(root.resolve("usr/local/lib/libpool/bootstrap.sh")))
                .isEqualTo(GuestScripts.bootstrapScript());

        assertThat(scenario.rc("unknown")).as("never fails the boot").isZero();
        assertThat(scenario.report("unknown").get("reason").asText())
                .contains("no virtio-pmem device carries pool nosuchpool");
        assertThat(scenario.rc("nodevice")).isZero();
        assertThat(scenario.report("nodevice").get("reason").asText()).contains("no /dev/pmem device");
        assertThat(scenario.rc("usage")).isZero();
        assertThat(scenario.stdout("usage")).contains("usage");
    }

    private static String mountSource(Path dir, String step, String mountPoint) throws Exception {
        for (String line : Files.readAllLines(dir.resolve("steps/" + step + ".mounts"))) {
            String[] fields = line.split(" ");
            if (fields[4].equals(mountPoint)) {
                return fields[List.of(fields).indexOf("-") + 2];
            }
        }
        throw new AssertionError(mountPoint + " not mounted");
    }

    private static Path image(Path dir, String pool) {
        GuestTree tree = new GuestTree(dir.resolve("src-" + pool));
        tree.poolFile("/usr/lib/x86_64-linux-gnu/lib" + pool + ".so.1", 4096);
        tree.seal(pool);
        Path image = dir.resolve(pool + ".img");
        Processes.Result mkfs = Processes.run(List.of("mkfs.erofs", "-Enoinline_data", image.toString(),
                tree.pool.toString()));
        assertThat(mkfs.exitCode()).as("%s", mkfs).isZero();
        return image;
    }

    /** /sys/block/NAME -> ../devices/.../block/NAME, with the virtio device's driver link if any. */
    private static void sysBlock(Path sys, String name, String namespace, String driver) throws Exception {
        Path device = sys.resolve(namespace).resolve("block").resolve(name);
        Files.createDirectories(device);
        Files.createDirectories(sys.resolve("block"));
        Files.createSymbolicLink(sys.resolve("block").resolve(name), sys.resolve("block").relativize(device));
        if (driver != null) {
            Path virtio = sys.resolve(namespace.substring(0, namespace.indexOf("/ndbus")));
            Path drivers = sys.resolve("bus/virtio/drivers").resolve(driver);
            Files.createDirectories(drivers);
            Files.createSymbolicLink(virtio.resolve("driver"), virtio.relativize(drivers));
        }
    }
}
