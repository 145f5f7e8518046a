package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Debian 12 cloud guest built from Debian packages: mmdebstrap (systemd, cloud-init, openssh-server,
 * python3, the Debian kernel) into a tree, then a disk with an MBR partition table whose first partition
 * is that tree as ext4 (sfdisk, then {@code mke2fs -d} at the partition's offset: no loop device, no host
 * mount of the image), converted to qcow2. The guest boots the image's own kernel and initramfs (direct
 * kernel boot) and takes its user data from a NoCloud seed ({@link NoCloudSeed}). Everything is cached
 * under the lab's cache directory, keyed by the package list and the image settings.
 *
 * <p>The tree is also the pool's source, so the guest's libraries are byte-identical to the pool's, as on
 * a node whose pool comes from the VMs' own disk image. The test probe and two packages of
 * {@link #UPGRADE_PACKAGE} (the same version for {@code apt-get install --reinstall}, and a higher version
 * whose library is changed for an upgrade) are added to the tree; the probe runs only when the kernel
 * command line says {@code libpool_e2e.probe=1}.
 *
 * @param tree    the guest's root tree (the pool source)
 * @param disk    qcow2: partition 1 = the tree as ext4, label {@value #ROOT_LABEL}; never written (guests
 *                get overlays)
 * @param vmlinuz the image's own kernel
 * @param initrd  the image's own initramfs
 */
public record DebianCloudImage(Path tree, Path disk, Path vmlinuz, Path initrd) {
    public static final String SUITE = "bookworm";
    /** What the guest is made of: a minimal cloud image, as the distributions' own are built. */
    public static final List<String> PACKAGES = List.of("systemd", "systemd-sysv", "udev", "kmod", "cloud-init",
            "openssh-server", "python3", "linux-image-amd64", "initramfs-tools", "util-linux", "e2fsprogs",
            "ifupdown", "netbase");
    static final String ROOT_LABEL = "debian-root";
    /** The package whose library the apt scenario reinstalls and upgrades (sshd maps it). */
    public static final String UPGRADE_PACKAGE = "zlib1g";
    public static final String UPGRADE_LIBRARY = "/usr/lib/x86_64-linux-gnu/libz.so.1";
    static final String PROBE_CMDLINE = "libpool_e2e.probe=1";
    private static final String ASSETS = "usr/lib/libpool-e2e";
    /**
     * mmdebstrap customize hooks ($1 = the tree): the root by label, cloud-init reading only NoCloud and
     * skipping what costs minutes under TCG without changing what is tested (RSA host keys, locale
     * generation), and an initramfs with only the modules a virtio guest needs (MODULES=most takes
     * tens of seconds to unpack under TCG).
     */
    private static final List<String> CUSTOMIZE = List.of(
            "echo 'LABEL=" + ROOT_LABEL + " / ext4 defaults 0 1' > \"$1/etc/fstab\"",
            "printf '%s\\n' 'datasource_list: [ NoCloud, None ]' 'ssh_genkeytypes: [ ed25519 ]' 'locale: false'"
                    + " > \"$1/etc/cloud/cloud.cfg.d/90-libpool-e2e.cfg\"",
            "sed -i 's/^MODULES=.*/MODULES=list/' \"$1/etc/initramfs-tools/initramfs.conf\""
                    + " && printf '%s\\n' virtio_pci virtio_blk ext4 >> \"$1/etc/initramfs-tools/modules\""
                    + " && chroot \"$1\" update-initramfs -u -k all",
            "echo libpool-debian > \"$1/etc/hostname\"");
    private static final String PROBE_UNIT = """
            # libpool e2e: reports what the host checks, on the second serial port (see distro-probe.sh).
            [Unit]
            Description=libpool e2e probe
            After=multi-user.target cloud-final.service
            ConditionKernelCommandLine=%s

            [Service]
            Type=oneshot
            ExecStart=/bin/sh /%s/distro-probe.sh
            StandardOutput=journal+console

            [Install]
            WantedBy=multi-user.target
            """.formatted(PROBE_CMDLINE, ASSETS);
    private static final String IMAGE_VERSION = "debian-v1";

    /** Builds what is not cached yet; {@link GuestKernel.Unavailable} when Debian's mirror cannot be reached. */
    public static DebianCloudImage build(Path cacheDir, Progress progress) {
        Path dir = cacheDir.resolve("debian");
        try {
            Files.createDirectories(dir);
            Path tree = dir.resolve("tree-" + Resources.key(IMAGE_VERSION, SUITE, PACKAGES.toString(),
                    CUSTOMIZE.toString()));
            if (!Files.exists(tree.resolve(".libpool-e2e-complete"))) {
                bootstrap(tree, progress);
            }
            String assets = installAssets(tree, dir, progress);
            Path disk = dir.resolve("disk-" + Resources.key(tree.toString(), assets) + ".qcow2");
            if (!Files.exists(disk)) {
                makeDisk(tree, disk, progress);
            }
            return new DebianCloudImage(tree, disk, only(tree.resolve("boot"), "vmlinuz-"),
                    only(tree.resolve("boot"), "initrd.img-"));
        } catch (IOException e) {
            throw new LabException("cannot build the Debian guest image under " + dir + ": " + e.getMessage(), e);
        }
    }

    /** A copy-on-write disk for one guest over the shared image. */
    public Path overlayFor(Path file) {
        return GuestRoot.overlay(disk, "qcow2", file);
    }

    /** The real path (in the guest) of the library the apt scenario upgrades. */
    public String upgradeLibraryRealPath() {
        return "/" + tree.relativize(realInTree(tree, UPGRADE_LIBRARY));
    }

    private static void bootstrap(Path tree, Progress progress) throws IOException {
        progress.step("debian image", "mmdebstrap " + SUITE + " (" + String.join(",", PACKAGES) + ") -> " + tree
                + " (minutes on the first run; cached)");
        Path partial = Path.of(tree + ".partial");
        Command.run(Duration.ofMinutes(2), "rm", "-rf", partial.toString(), tree.toString());
        List<String> argv = new ArrayList<>(List.of("mmdebstrap", "--mode=root", "--variant=apt",
                "--format=directory", "--include=" + String.join(",", PACKAGES)));
        CUSTOMIZE.forEach(hook -> argv.add("--customize-hook=" + hook));
        argv.addAll(List.of(SUITE, partial.toString()));
        Command.Result result = Command.exec(Duration.ofMinutes(30), argv.toArray(String[]::new));
        if (!result.ok()) {
            Command.run(Duration.ofMinutes(2), "rm", "-rf", partial.toString());
            throw new GuestKernel.Unavailable("mmdebstrap " + SUITE + " failed (is Debian's mirror reachable?): "
                    + Command.tail(result.stderr()));
        }
        Files.move(partial, tree);
        Files.writeString(tree.resolve(".libpool-e2e-complete"), IMAGE_VERSION + "\n");
    }

    /** The probe, its unit and the two packages; returns a key of what was installed. */
    private static String installAssets(Path tree, Path dir, Progress progress) throws IOException {
        StringBuilder key = new StringBuilder();
        key.append(GuestRoot.install(tree, ASSETS + "/distro-probe.sh", Resources.bytes("/dev/libpool/e2e/lab/distro-probe.sh")));
        key.append(GuestRoot.install(tree, "etc/systemd/system/libpool-e2e-probe.service", PROBE_UNIT.getBytes()));
        Path wants = tree.resolve("etc/systemd/system/multi-user.target.wants/libpool-e2e-probe.service");
        if (!Files.exists(wants, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(wants.getParent());
            Files.createSymbolicLink(wants, Path.of("/etc/systemd/system/libpool-e2e-probe.service"));
        }
        UpgradeDebs debs = UpgradeDebs.build(tree, dir.resolve("debs"), UPGRADE_PACKAGE,
                realInTree(tree, UPGRADE_LIBRARY), progress);
        key.append(GuestRoot.install(tree, ASSETS + "/debs/reinstall.deb", Files.readAllBytes(debs.reinstall())));
        key.append(GuestRoot.install(tree, ASSETS + "/debs/upgrade.deb", Files.readAllBytes(debs.upgrade())));
        key.append(GuestRoot.install(tree, ASSETS + "/debs/package", (UPGRADE_PACKAGE + "\n").getBytes()));
        key.append(GuestRoot.install(tree, ASSETS + "/debs/library", (UPGRADE_LIBRARY + "\n").getBytes()));
        return Resources.key(key.toString());
    }

    private static void makeDisk(Path tree, Path disk, Progress progress) throws IOException {
        long treeMiB = Long.parseLong(Command.run(Duration.ofMinutes(2), "du", "-sm", tree.toString()).split("\\s+")[0]);
        long fsMiB = treeMiB * 5 / 4 + 512; // room for apt, logs and cloud-init's state
        Path raw = Path.of(disk + ".raw.partial");
        Path partial = Path.of(disk + ".partial");
        progress.step("debian image", "disk: MBR + ext4 partition of " + fsMiB + " MiB (sfdisk, mke2fs -d at the "
                + "partition offset) -> " + disk.getFileName());
        try {
            Command.run(Duration.ofMinutes(1), "rm", "-f", raw.toString(), partial.toString());
            Command.run(Duration.ofMinutes(1), "truncate", "-s", (fsMiB + 2) + "M", raw.toString());
            Command.shell(Duration.ofMinutes(1), "echo 'start=2048, type=83' | sfdisk -q '" + raw + "'");
            Command.run(Duration.ofMinutes(10), "mke2fs", "-q", "-F", "-t", "ext4", "-L", ROOT_LABEL,
                    "-E", "offset=" + (2048 * 512), "-d", tree.toString(), raw.toString(), fsMiB + "M");
            Command.run(Duration.ofMinutes(10), "qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2",
                    raw.toString(), partial.toString());
            Files.move(partial, disk);
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    private static Path realInTree(Path tree, String guestPath) {
        try {
            Path real = tree.resolve(guestPath.substring(1)).toRealPath();
            if (!real.startsWith(tree.toRealPath())) {
                throw new LabException(guestPath + " resolves outside the guest tree " + tree);
            }
            return tree.resolve(tree.toRealPath().relativize(real));
        } catch (IOException e) {
            throw new LabException("the Debian guest tree has no " + guestPath + ": " + e.getMessage(), e);
        }
    }

    private static Path only(Path dir, String prefix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
            if (found.size() != 1) {
                throw new LabException(dir + " must hold exactly one " + prefix + "* file, found " + found);
            }
            return found.get(0);
        }
    }
}
