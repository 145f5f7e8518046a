package dev.libpool.e2e.lab;

import dev.libpool.guest.CloudInitBootstrap;
import dev.libpool.guest.GuestSetup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Boots real Debian 12 cloud guests ({@link DebianCloudImage}) under a private libvirtd, each with the
 * lab's pool attached through the real KubeVirt hook and a NoCloud seed whose user data is the user's own
 * merged with libpool's guest setup by {@link CloudInitBootstrap}, as the operator writes it. The pool is
 * built by the node daemon code from the same disk image (a diskImage source). Closing destroys the guests, stops libvirt
 * and unmounts the pool, also when the JVM is interrupted.
 */
public final class DebianLab extends Lab<DistroGuest> {
    public static final int DEFAULT_MEMORY_MIB = 1024;
    /**
     * The dynamic loader and the libraries of the services the tests look at (sshd, systemd, systemd-journald:
     * what {@code ldd} lists for them), and systemd's private ones. Not the whole image (540 shared objects):
     * the attach checks every candidate and systemd re-reads the mount table for every bind mount, both slow
     * under TCG (a first-boot attach of 115 files had not finished after 7 minutes on a loaded host, with an
     * attach.sh whose stat lookup was quadratic, since fixed).
     */
    static final List<String> SERVICE_LIBRARIES = List.of("ld-linux-x86-64", "libacl", "libapparmor", "libaudit", "libblkid", "libc", "libcap", "libcap-ng", "libcom_err", "libcrypt", "libcrypto", "libgcrypt", "libgpg-error", "libgssapi_krb5", "libip4tc", "libk5crypto", "libkeyutils", "libkmod", "libkrb5", "libkrb5support", "liblz4", "liblzma", "libm", "libmount", "libnsl", "libpam", "libpcre2-8", "libresolv", "libseccomp", "libselinux", "libsystemd", "libtirpc", "libwrap", "libz", "libzstd");
    public static final List<String> POOL_INCLUDE = Stream.concat(
            SERVICE_LIBRARIES.stream().map(lib -> "usr/lib/x86_64-linux-gnu/" + lib + ".so*"),
            Stream.of("usr/lib/x86_64-linux-gnu/systemd/*.so*")).toList();

    private DebianCloudImage image;
    private KubeVirtHook hook;

    private DebianLab(LabOptions options, Progress progress) {
        super("debian lab", options, progress);
    }

    /** Why Debian guests cannot run here (empty when they can): the lab's reasons, or a missing image tool. */
    public static Optional<String> missingPrerequisites() {
        Optional<String> lab = GuestLab.missingPrerequisites();
        if (lab.isPresent()) {
            return lab;
        }
        for (String tool : List.of("mmdebstrap", "sfdisk", "genisoimage", "dpkg-query")) {
            if (!Command.exec(java.time.Duration.ofSeconds(10), "/bin/sh", "-c", "command -v " + tool).ok()) {
                return Optional.of(tool + " is not installed (run ./libpool test, which installs the packages)");
            }
        }
        return Optional.empty();
    }

    /** Builds or reuses the image, publishes the pool (options.poolName) and starts libvirt. */
    public static DebianLab open(LabOptions options, Progress progress) {
        if (options.poolName() == null) {
            throw new IllegalArgumentException("a Debian lab needs a pool: use LabOptions.withPool");
        }
        return Lab.open(new DebianLab(options, progress));
    }

    @Override
    void prepare() {
        try {
            Files.createDirectories(options.cacheDir());
            Files.createDirectories(options.workDir().resolve("debian"));
        } catch (IOException e) {
            throw new LabException("cannot create " + options.cacheDir() + " or " + options.workDir() + ": "
                    + e.getMessage(), e);
        }
        underCacheLock(() -> image = DebianCloudImage.build(options.cacheDir(), progress));
        String maxSize = options.poolMaxSize() != null ? options.poolMaxSize()
                : PoolHost.maxSizeFor(GuestRoot.sharedObjectBytes(image.tree()));
        // The pool before libvirtd: its private mount namespace only sees mounts that exist when it starts.
        // From the very disk image the guests boot (spec.source.diskImage), as a cluster would build it.
        pool = PoolHost.fromDiskImage(options.poolName(), image.disk(), POOL_INCLUDE, maxSize, options.workDir().resolve("state"),
                options.workDir().resolve(options.poolName() + ".yaml"), progress);
        hook = new KubeVirtHook(options.workDir());
        libvirt = LibvirtDaemon.start(options.workDir().resolve("libvirt"), progress, options.hugePages());
    }

    public DebianCloudImage image() {
        return image;
    }

    public PoolHost pool() {
        return pool;
    }

    /**
     * Starts a guest (transient domain) on a fresh overlay of the image and returns at once.
     *
     * @param withPool true: the pool is attached and libpool's setup merged into the user data; false: the
     *                 guest as its user wrote it, on its own disk (the baseline)
     * @param userData the user's own cloud-init user data (null: none)
     * @param probe    true: the test probe runs after each boot (see distro-probe.sh)
     */
    public DistroGuest boot(String name, boolean withPool, int memoryMiB, String userData, boolean probe) {
        GuestSpec checked = new GuestSpec(name, withPool, memoryMiB, false, Optional.empty());
        Path work = options.workDir().resolve("debian");
        String domain = "e2e-" + checked.name();
        try {
            String merged = !withPool ? (userData == null ? "" : userData) : CloudInitBootstrap.apply(userData,
                    new GuestSetup(pool.name(), GuestSetup.DEFAULT_MOUNT_PATH, false));
            Files.writeString(work.resolve(name + ".user-data"), merged);
            Path seed = NoCloudSeed.write(work.resolve(name + ".seed.iso"), domain + "-" + System.nanoTime(), name, merged);
            Path disk = image.overlayFor(work.resolve(name + ".qcow2"));
            Path console = work.resolve(name + ".console.log");
            Path probeLog = work.resolve(name + ".probe.log");
            Files.deleteIfExists(console);
            Files.deleteIfExists(probeLog);
            String xml = DistroDomainXml.render(domain, memoryMiB, image, disk, seed, console, probeLog, probe,
                    pool.name(), withPool ? pool.poolFile() : null);
            Files.writeString(work.resolve(name + ".virt-launcher.xml"), xml);
            if (withPool) {
                xml = hook.onDefineDomain(xml, name, pool.name(), pool.poolFile());
            }
            Path domainFile = work.resolve(name + ".xml");
            Files.writeString(domainFile, xml);
            progress.step("guest " + name, "virsh create (Debian " + DebianCloudImage.SUITE + ", "
                    + (withPool ? "pool " + pool.name() : "own disk")
                    + ", " + memoryMiB + " MiB, user data " + merged.length() + " bytes)");
            libvirt.virsh("create", domainFile.toString());
            DistroGuest guest = new DistroGuest(name, domain, console, probeLog, libvirt);
            guests.add(guest);
            return guest;
        } catch (IOException e) {
            throw new LabException("cannot prepare Debian guest " + name + " in " + work + ": " + e.getMessage(), e);
        }
    }
}
