package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.node.host.Natives;
import dev.libpool.node.host.SelinuxMount;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * A pool's dedicated, size-limited tmpfs (or hugetlbfs), or for PageCache a plain directory on the state
 * directory's disk, and the generations in it.
 *
 * <p>Layout of {@code <state>/pools/<pool>/} (the mount point): {@code <sha256>.img} per generation and
 * {@code pool.img}, a hard link to the current one that VMs attach. Publishing renames a new link over
 * pool.img, so running QEMUs keep the inode they map. Every generation is owned by KubeVirt's qemu user, 0444 and
 * immutable (FS_IMMUTABLE_FL) where the medium supports it, and a mounted medium is read-only except while the daemon
 * changes it ({@link PoolProtection} says why); the daemon lifts the flag only to rename or remove.
 */
public final class PoolStore {

    public static final String STABLE_NAME = VmContract.POOL_FILE;
    private static final String IMAGE_SUFFIX = ".img";
    private static final String TEMP_PREFIX = ".tmp-";
    private static final Logger LOG = Logger.getLogger(PoolStore.class.getName());

    private final Path dir;
    private final Natives natives;
    private final String pool;
    private final PoolMedium medium;
    private final long mediumSize;
    private final PoolProtection protection;

    private final String mountContext;

    /** {@code mountContext}: the SELinux context of the medium's mount, empty for none ({@link SelinuxMount#effective}). */
    public PoolStore(Path dir, Natives natives, String pool, PoolMedium medium, long mediumSize, String mountContext) {
        this.dir = dir;
        this.mountContext = mountContext;
        this.protection = new PoolProtection(dir, natives);
        this.natives = natives;
        this.pool = pool;
        this.medium = medium;
        this.mediumSize = mediumSize;
    }

    public Path dir() {
        return dir;
    }

    public PoolMedium medium() {
        return medium;
    }

    public Path stableFile() {
        return dir.resolve(STABLE_NAME);
    }

    public Path generationFile(String sha256) {
        return dir.resolve(sha256 + IMAGE_SUFFIX);
    }

    /**
     * Mounts the medium unless it already is (after a daemon restart), then checks its type with statfs.
     * PageCache mounts nothing: the directory lives on the state directory's own filesystem. Returns what the
     * re-assertion of the pool's protection found changed ({@link #enforceProtection()}).
     */
    public List<String> ensureMounted() throws PoolFailure {
        try {
            Files.createDirectories(dir);
            if (!medium.mounted()) {
                if (isMountPoint()) {
                    throw new PoolFailure(Reason.MediumMismatch, dir + " is still a mount of filesystem type 0x"
                            + Long.toHexString(natives.filesystemType(dir)) + " from an earlier medium, not a directory "
                            + "on the node's disk for PageCache: unmount it once no VM uses the pool, or set spec.medium to match");
                }
                Files.setPosixFilePermissions(dir, PoolProtection.DIR_MODE);
                return enforceProtection();
            }
            if (!isMountPoint()) {
                String options = SelinuxMount.mountData("size=" + mediumSize + ",mode=0755"
                        + (medium == PoolMedium.tmpfs ? ",uid=0,gid=0" : ""), mountContext);
                natives.mount("libpool-" + pool, dir, medium.name(), options);
                LOG.info(() -> "mounted " + medium + " (size " + mediumSize + ") at " + dir);
            }
            long type = natives.filesystemType(dir);
            long expected = medium == PoolMedium.tmpfs ? Natives.TMPFS_MAGIC : Natives.HUGETLBFS_MAGIC;
            if (type != expected) {
                throw new PoolFailure(Reason.MediumMismatch, dir + " is a mount of filesystem type 0x"
                        + Long.toHexString(type) + ", not " + medium + ": unmount it once no VM uses the pool, "
                        + "or set spec.medium to match");
            }
            return enforceProtection();
        } catch (IOException e) {
            throw new PoolFailure(medium == PoolMedium.hugetlbfs ? Reason.MediumFull : Reason.HostError,
                    "cannot mount " + medium + " at " + dir + ": " + e.getMessage()
                            + (medium == PoolMedium.hugetlbfs ? "; reserve huge pages (vm.nr_hugepages) on the node" : ""), e);
        }
    }

    /** Whether the medium is in place: the pool's own mount, or for PageCache its directory. */
    public boolean isPresent() throws IOException {
        return medium.mounted() ? isMountPoint() : Files.isDirectory(dir);
    }

    public boolean isMountPoint() throws IOException {
        return PoolProtection.isMountPoint(dir);
    }

    /**
     * Re-asserts the protection of the directory, every generation and pool.img (see {@link PoolProtection});
     * returns what it found changed. {@link #ensureMounted()} runs it on every pass.
     */
    public List<String> enforceProtection() throws IOException {
        return protection.enforce(publishedFiles(), this::isDaemons);
    }

    /** A regular file under a name the daemon gives: a generation, pool.img or an interrupted publish's temporary. */
    private boolean isDaemons(Path entry) {
        String name = entry.getFileName().toString();
        return Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS) && (name.equals(STABLE_NAME)
                || name.matches("[0-9a-f]{64}" + Pattern.quote(IMAGE_SUFFIX)) || name.startsWith(TEMP_PREFIX));
    }

    private List<Path> publishedFiles() throws IOException {
        List<Path> files = generations();
        files.add(stableFile());
        return files;
    }

    /** Detaches the medium (tests and pool removal only: never while a VM may map the pool). */
    public void unmount() throws IOException {
        natives.umount(dir, true);
    }

    /**
     * Detaches the medium when it holds nothing at all: a pool whose first build failed leaves no empty,
     * size-limited mount behind. Nothing can map an empty directory, so this never disturbs a VM.
     */
    public void unmountIfEmpty() throws IOException {
        if (medium.mounted() && isMountPoint()) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isEmpty()) {
                    unmount();
                    LOG.info(() -> "unmounted the empty " + medium + " at " + dir);
                }
            }
        }
    }

    /** The content-addressed generation that pool.img is a link to, if any. */
    public Optional<String> currentDigest() throws IOException {
        Path stable = stableFile();
        if (!Files.exists(stable, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        FileKey key = FileKey.of(stable);
        for (Path gen : generations()) {
            if (FileKey.of(gen).equals(key)) {
                return Optional.of(digestOf(gen));
            }
        }
        return Optional.empty();
    }

    /** The content-addressed generation files (not pool.img, not temporary files). */
    public List<Path> generations() throws IOException {
        List<Path> gens = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + IMAGE_SUFFIX)) {
            for (Path f : files) {
                if (!f.getFileName().toString().equals(STABLE_NAME)) {
                    gens.add(f);
                }
            }
        }
        return gens;
    }

    /**
     * PageCache medium: drops the pages of every generation that no process maps. A guest's fault pulls in more
     * than the page it touched (read-around; two 2 MiB folios per fault in QEMU's MADV_HUGEPAGE mapping), and
     * pages faulted by guests that have gone stay cached: both are clean and reclaimable, yet until the host
     * needs the memory they count against the node and the VM pod that faulted them. Dropped, the pool holds
     * what its guests map; a page dropped and touched later comes back from disk. Mapped pages, and the large
     * folios holding them, stay. Nothing to do on tmpfs and hugetlbfs: there the pages are the pool.
     */
    public void trimUnmapped() throws IOException {
        if (medium.mounted()) {
            return;
        }
        for (Path gen : generations()) {
            natives.dropCache(gen);
        }
    }

    /** Leftovers of an interrupted publish. */
    public List<Path> temporaryFiles() throws IOException {
        List<Path> temps = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
            files.forEach(temps::add);
        }
        return temps;
    }

    public static String digestOf(Path generation) {
        String name = generation.getFileName().toString();
        return name.substring(0, name.length() - IMAGE_SUFFIX.length());
    }

    /** Copies a built image in, then switches pool.img to it atomically. Returns the generation file. */
    public Path publish(BuiltImage image) throws PoolFailure, IOException {
        return protection.<Path, PoolFailure>writable(() -> publishWritable(image));
    }

    private Path publishWritable(BuiltImage image) throws PoolFailure, IOException {
        Path temp = dir.resolve(TEMP_PREFIX + image.sha256());
        Path generation = generationFile(image.sha256());
        Path tempLink = dir.resolve(TEMP_PREFIX + STABLE_NAME);
        try {
            remove(temp); // a killed daemon's leftovers: the link may share a protected generation's inode
            remove(tempLink);
            if (Files.getFileStore(dir).getUsableSpace() < image.dataBytes()) {
                throw full(image, null);
            }
            FaultPoint.reach(FaultPoint.Step.SPACE_CHECKED);
            copyIn(image, temp);
            PoolProtection.own(temp);
            FaultPoint.reach(FaultPoint.Step.COPIED);
            protection.unprotect(generation);
            Files.move(temp, generation, StandardCopyOption.ATOMIC_MOVE); // replaces a corrupted one of the same digest
            FaultPoint.reach(FaultPoint.Step.GENERATION_RENAMED);
            Files.createLink(tempLink, generation);
            FaultPoint.reach(FaultPoint.Step.LINKED);
            Optional<String> previous = currentDigest();
            protection.unprotect(stableFile());
            Files.move(tempLink, stableFile(), StandardCopyOption.ATOMIC_MOVE);
            FaultPoint.reach(FaultPoint.Step.SWITCHED);
            protect(generation);
            if (previous.isPresent() && !previous.get().equals(image.sha256())) {
                protect(generationFile(previous.get()));
            }
            return generation;
        } catch (IOException e) {
            remove(temp);
            remove(tempLink);
            if (String.valueOf(e.getMessage()).contains("No space left")) {
                throw full(image, e);
            }
            throw e;
        }
    }

    private PoolFailure full(BuiltImage image, IOException cause) {
        return new PoolFailure(Reason.MediumFull, "the pool's " + medium + " at " + dir
                + (medium.mounted() ? " (limit " + mediumSize + " bytes)" : " (the state directory's disk)") + " has no room for a new " + image.dataBytes() + "-byte generation: older generations are "
                + "still mapped by running VMs; restart those VMs to release them, or raise spec.maxSize", cause);
    }

    /**
     * tmpfs and PageCache: copy only the data and leave the padding a hole; hugetlbfs refuses write(2), so map
     * and copy. PageCache then drops the written pages from the page cache: only guests decide what is resident.
     */
    private void copyIn(BuiltImage image, Path temp) throws IOException {
        if (medium == PoolMedium.hugetlbfs) {
            natives.copyViaMmap(image.file(), image.dataBytes(), temp, image.sizeBytes());
            return;
        }
        try (InputStream in = Files.newInputStream(image.file());
             RandomAccessFile out = new RandomAccessFile(temp.toFile(), "rw")) {
            byte[] buf = new byte[1 << 20];
            long left = image.dataBytes();
            for (int n; left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) > 0; left -= n) {
                out.write(buf, 0, n);
            }
            out.setLength(image.sizeBytes()); // extends with a hole
            out.getFD().sync();
        }
        if (!medium.mounted()) {
            natives.dropCache(temp);
        }
    }

    /** Sets the immutable flag; a medium without file attributes (hugetlbfs) keeps 0444 and its read-only mount. */
    public void protect(Path file) throws IOException {
        protection.protect(file);
    }

    /** Removes a generation or temporary file; the caller has checked that nothing maps it. */
    public void remove(Path file) throws IOException {
        protection.writable(() -> {
            protection.unprotect(file);
            return Files.deleteIfExists(file);
        });
    }
}
