package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Boots real test guests on this host and measures what they cost it: the reusable harness of the e2e
 * test, {@code ./libpool demo} and {@code ./libpool bench guests}.
 *
 * <pre>{@code
 * try (GuestLab lab = GuestLab.open(LabOptions.withPool(workDir), Progress.toStdout())) {
 *     Guest a = lab.boot(GuestSpec.withPool("pool-1"));
 *     a.awaitReady(lab.progress(), Duration.ofMinutes(3));
 *     HostMemory memory = lab.measure(List.of(a));
 * }
 * }</pre>
 *
 * <p>Opening builds (or takes from the cache) the guest kernel, initramfs and root disk, builds and
 * publishes the pool with the node daemon code on a real tmpfs, and starts a private libvirtd. Pool
 * guests get their domain through the real KubeVirt hook. Closing destroys every guest, stops libvirt
 * and unmounts the pool, also when the JVM is interrupted (shutdown hook).
 */
public final class GuestLab extends Lab<Guest> {
    private GuestKernel kernel;
    private Path initramfs;
    private GuestRoot root;
    private KubeVirtHook hook;

    private GuestLab(LabOptions options, Progress progress) {
        super("lab", options, progress);
    }

    /** Why guests cannot run on this host (empty when they can): not root, or a tool is missing. */
    public static Optional<String> missingPrerequisites() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("not root (needs mounts, a private libvirtd and QEMU)");
        }
        for (String tool : List.of("qemu-system-x86_64", "qemu-img", "libvirtd", "virtlogd", "virsh", "mkfs.erofs",
                "mke2fs", "debugfs", "cpio", "depmod", "unshare", "apt-get", "dpkg-deb")) {
            if (!Command.exec(Duration.ofSeconds(10), "/bin/sh", "-c", "command -v " + tool).ok()) {
                return Optional.of(tool + " is not installed (run ./libpool test, which installs the packages)");
            }
        }
        for (String file : List.of("/usr/bin/python3", "/bin/busybox")) {
            if (!Files.isExecutable(Path.of(file))) {
                return Optional.of(file + " is missing (Debian packages python3, busybox-static)");
            }
        }
        return Optional.empty();
    }

    /** Builds or reuses the guest artifacts, publishes the pool and starts libvirt; see the class comment. */
    public static GuestLab open(LabOptions options, Progress progress) {
        return Lab.open(new GuestLab(options, progress));
    }

    @Override
    void prepare() {
        try {
            Files.createDirectories(options.cacheDir());
            for (String dir : List.of("disks", "console", "domains")) {
                Files.createDirectories(options.workDir().resolve(dir));
            }
        } catch (IOException e) {
            throw new LabException("cannot create " + options.cacheDir() + " or " + options.workDir() + ": "
                    + e.getMessage(), e);
        }
        underCacheLock(() -> {
            kernel = GuestKernel.fetch(options.cacheDir(), progress);
            initramfs = Initramfs.build(kernel, options.cacheDir(), progress);
            root = GuestRoot.build(options.cacheDir(), progress);
        });
        // The pool before libvirtd: its private mount namespace only sees mounts that exist when it starts.
        if (options.poolManifest() != null) {
            pool = PoolHost.fromManifest(options.poolManifest(), options.poolMedium(), root, options.workDir().resolve("state"), progress);
        } else if (options.poolName() != null) {
            String maxSize = options.poolMaxSize() != null ? options.poolMaxSize()
                    : PoolHost.maxSizeFor(root.sharedObjectBytes());
            pool = PoolHost.build(options.poolName(), root.tree(), maxSize,
                    options.workDir().resolve("state"), options.workDir().resolve(options.poolName() + ".yaml"), progress);
        }
        if (pool != null) {
            hook = new KubeVirtHook(options.workDir());
        }
        libvirt = LibvirtDaemon.start(options.workDir().resolve("libvirt"), progress, options.hugePages());
    }

    public GuestRoot root() {
        return root;
    }

    public GuestKernel kernel() {
        return kernel;
    }

    public Optional<PoolHost> pool() {
        return Optional.ofNullable(pool);
    }

    public LibvirtDaemon libvirt() {
        return libvirt;
    }

    /** Guests booted and not destroyed yet. */
    public List<Guest> guests() {
        return List.copyOf(guests);
    }

    /** Starts a guest (transient domain) and returns at once; wait with {@link Guest#awaitReady}. */
    public Guest boot(GuestSpec spec) {
        if (spec.pool() && pool == null) {
            throw new IllegalArgumentException("guest " + spec.name() + " wants the pool, but this lab has none "
                    + "(LabOptions.poolName is null)");
        }
        String poolName = spec.pool() ? pool.name() : null;
        return start(spec, poolName, DomainXml.HostDisk.ofPool(poolName, spec.pool() ? pool.poolFile() : null),
                xml -> spec.pool() ? hook.onDefineDomain(xml, spec.name(), pool.name(), pool.poolFile()) : xml,
                spec.pool() ? "pool " + poolName : "own disk", LauncherVmi.Exposure.NONE, null);
    }

    /**
     * Starts a guest the way virt-launcher starts the VMI of a KubeVirt VirtualMachine, for the parts libpool
     * touches: the VM's hostDisk volumes become disks, and {@code hookScript} (e.g. from the operator's hook
     * ConfigMap; empty when the VM names no hook sidecar) gets the domain and the VMI; {@code spec} gives the
     * rest (memory, KSM). Returns at once.
     */
    public Guest boot(GuestSpec spec, LauncherVmi vmi, Optional<String> hookScript) {
        Optional<KubeVirtHook> vmHook = hookScript.map(text ->
                new KubeVirtHook(options.workDir().resolve("domains/" + spec.name() + ".hook.py"), text));
        List<DomainXml.HostDisk> disks = vmi.hostDisks().stream()
                .map(v -> new DomainXml.HostDisk(v.name(), v.launcherPath())).toList();
        return start(spec, vmi.pool().orElse(null), disks, xml -> vmHook.map(h -> h.onDefineDomain(xml, vmi.json())).orElse(xml),
                "VM " + vmi.name() + vmi.pool().map(p -> " with pool " + p).orElse(" without pool"), vmi::expose, null);
    }

    /**
     * Starts a guest from the domain KubeVirt's own converter made of a VM ({@code kubevirtDomainXml}, e.g. from
     * kube-test's KubeVirtCode) with the VMI JSON it came with, made bootable in the lab by {@link KubeVirtDomain}
     * (the lab's kernel, root disk and console instead of the pod's), through {@code hookScript}. Returns at once.
     */
    public Guest boot(GuestSpec spec, LauncherVmi vmi, Optional<String> hookScript, String kubevirtDomainXml) {
        Optional<KubeVirtHook> vmHook = hookScript.map(text ->
                new KubeVirtHook(options.workDir().resolve("domains/" + spec.name() + ".hook.py"), text));
        return start(spec, vmi.pool().orElse(null), List.of(), xml -> vmHook.map(h -> h.onDefineDomain(xml, vmi.json())).orElse(xml),
                "VM " + vmi.name() + " as KubeVirt converts it" + vmi.pool().map(p -> ", pool " + p).orElse(""), vmi::expose,
                kubevirtDomainXml);
    }

    /** @param kubevirtXml KubeVirt's converted domain to boot instead of the lab's own, or null */
    private Guest start(GuestSpec spec, String poolName, List<DomainXml.HostDisk> disks, UnaryOperator<String> hook,
                        String what, LauncherVmi.Exposure exposure, String kubevirtXml) {
        String domain = "e2e-" + spec.name();
        Path work = options.workDir();
        Path disk = spec.changedLibrary().isPresent()
                ? root.copyWithChangedLibrary(work.resolve("disks/" + spec.name() + ".raw"), spec.changedLibrary().get())
                : root.overlayFor(work.resolve("disks/" + spec.name() + ".qcow2"));
        Path serial = work.resolve("console/" + spec.name() + ".log");
        try {
            Files.deleteIfExists(serial);
            String xml = kubevirtXml == null
                    ? DomainXml.render(domain, spec, kernel.vmlinuz(), initramfs, disk, serial, poolName, disks)
                    : KubeVirtDomain.forLab(kubevirtXml, domain, spec, kernel.vmlinuz(), initramfs,
                            DomainXml.cmdline(poolName), disk, cloudInitPlaceholder(work, spec), serial);
            Files.writeString(work.resolve("domains/" + spec.name() + ".virt-launcher.xml"), xml);
            xml = hook.apply(xml);
            Path domainFile = work.resolve("domains/" + spec.name() + ".xml");
            Files.writeString(domainFile, xml);
            progress.step("guest " + spec.name(), "virsh create (" + what + ", " + spec.memoryMiB() + " MiB"
                    + spec.changedLibrary().map(l -> ", changed " + l).orElse("")
                    + (spec.sharedMemfd() ? ", shared memfd RAM" : "") + ")");
            try (LauncherVmi.Exposed ignored = exposure.expose()) {
                libvirt.virsh("create", domainFile.toString());
            }
        } catch (IOException e) {
            throw new LabException("cannot write the domain of guest " + spec.name() + ": " + e.getMessage(), e);
        }
        Guest guest = new Guest(spec, domain, serial, disk, libvirt);
        guests.add(guest);
        return guest;
    }

    /** An empty 1 MiB file standing in for the cloud-init ISO virt-launcher writes (the lab guest does not read it). */
    private static Path cloudInitPlaceholder(Path work, GuestSpec spec) throws IOException {
        Path file = work.resolve("disks/" + spec.name() + ".cloud-init.img");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(ByteBuffer.allocate(1), (1 << 20) - 1);
        }
        return file;
    }

    /**
     * Boots {@code specs} {@code parallel} at a time (2 suits 2 cores under TCG) and waits until each is
     * ready; returns them in order.
     */
    public List<Guest> bootAll(List<GuestSpec> specs, int parallel, Duration timeoutPerGuest) {
        List<Guest> booted = new ArrayList<>();
        for (int i = 0; i < specs.size(); i += parallel) {
            List<Guest> wave = specs.subList(i, Math.min(specs.size(), i + parallel)).stream().map(this::boot).toList();
            for (Guest guest : wave) {
                guest.awaitReady(progress, timeoutPerGuest);
                progress.step("guest " + guest.spec().name(), "ready, boot took "
                        + guest.bootTime().map(d -> d.toMillis() / 1000.0 + " s").orElse("?"));
            }
            booted.addAll(wave);
        }
        return booted;
    }

    /**
     * Powers {@code guest} off (its QEMU exits) and boots the same domain again on the same disk: a second boot
     * of an unchanged guest, which finds what its first boot left on disk (the attach's verified-files cache).
     * The first boot's console moves to {@code <name>.first.log}. Returns at once; wait with
     * {@link Guest#awaitReady}.
     */
    public Guest reboot(Guest guest) {
        String name = guest.spec().name();
        progress.step("guest " + name, "virsh destroy, then the same domain again on the same disk (second boot)");
        libvirt.virshResult("destroy", guest.domain());
        guests.remove(guest);
        Path work = options.workDir();
        try {
            Files.move(guest.serialLog(), work.resolve("console/" + name + ".first.log"),
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new LabException("cannot keep the first console of guest " + name + ": " + e.getMessage(), e);
        }
        libvirt.virsh("create", work.resolve("domains/" + name + ".xml").toString());
        Guest again = new Guest(guest.spec(), guest.domain(), guest.serialLog(), guest.disk(), libvirt);
        guests.add(again);
        return again;
    }

    /** A destroyed guest's disk is removed. */
    @Override
    void destroyed(Guest guest) {
        try {
            Files.deleteIfExists(guest.disk());
        } catch (IOException e) {
            progress.step("guest " + guest.spec().name(), "could not remove " + guest.disk() + ": " + e.getMessage());
        }
    }
}
