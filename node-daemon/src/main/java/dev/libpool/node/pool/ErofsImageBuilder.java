package dev.libpool.node.pool;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Builds a reproducible EROFS image: a staging tree with normalized modes, mkfs.erofs with 4 KiB blocks,
 * -Enoinline_data (file data block aligned, as DAX needs), timestamps fixed at 0, a UUID derived from the
 * content, all files root-owned and no xattrs; then pads it (sparse) to the pool's fixed device size.
 */
public final class ErofsImageBuilder {

    public static final String DEFAULT_MKFS = "mkfs.erofs";
    private static final int EROFS_MAGIC = 0xE0F5E1E2;
    private static final int EXPECTED_BLOCK_BITS = 12;
    private static final long MKFS_TIMEOUT_MINUTES = 10;
    private static final String STAGING_PREFIX = "staging-";

    private final String mkfs;

    /** @param mkfs the mkfs.erofs command: a name looked up on PATH or an absolute path */
    public ErofsImageBuilder(String mkfs) {
        this.mkfs = mkfs;
    }

    public BuiltImage build(Manifest manifest, Selection selection, ImageScripts scripts, long deviceSize,
                            Path scratchDir) throws PoolFailure, IOException {
        Path mkfsPath = locateMkfs();
        Files.createDirectories(scratchDir);
        Path staging = Files.createTempDirectory(scratchDir, STAGING_PREFIX);
        Path image = scratchDir.resolve(Path.of(staging.getFileName() + ".img"));
        try {
            stage(staging, manifest, selection, scripts);
            FaultPoint.reach(FaultPoint.Step.STAGED);
            long mkfsStart = System.nanoTime();
            runMkfs(mkfsPath, image, staging, uuid(manifest, scripts));
            long mkfsMillis = (System.nanoTime() - mkfsStart) / 1_000_000;
            long dataBytes = Files.size(image);
            checkBlockSize(image);
            if (dataBytes > deviceSize) {
                Files.delete(image);
                throw new PoolFailure(Reason.ImageTooLarge, "the EROFS image needs " + dataBytes + " bytes but the "
                        + "pool device is " + deviceSize + " bytes (from maxSize): raise spec.maxSize or select fewer files");
            }
            try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
                raf.setLength(deviceSize); // a hole: no disk or memory is used for the padding
            }
            FaultPoint.reach(FaultPoint.Step.IMAGE_BUILT);
            return new BuiltImage(image, dataBytes, deviceSize, FileDigest.sha256(image), manifest, mkfsMillis);
        } finally {
            deleteTree(staging);
        }
    }

    /**
     * Removes what a killed build left in the scratch directory (its staging tree and image). Call it only under
     * the {@link StateLock}: builds run only under that lock (flock, exclusive even between threads), so whatever
     * is there then belongs to no running build.
     */
    public static void removeLeftovers(Path scratchDir) throws IOException {
        if (!Files.isDirectory(scratchDir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(scratchDir)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith(STAGING_PREFIX)).toList()) {
                deleteTree(p);
            }
        }
    }

    /** Whether mkfs.erofs can be found: a missing tool is a pool failure, not a crash. */
    Path locateMkfs() throws PoolFailure {
        if (mkfs.contains("/")) {
            Path p = Path.of(mkfs);
            if (Files.isExecutable(p)) {
                return p;
            }
        } else {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(File.pathSeparator)) {
                Path p = Path.of(dir, mkfs);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new PoolFailure(Reason.MkfsMissing, mkfs + " was not found on this node: install erofs-utils "
                + "(apt-get install erofs-utils) or use the libpool node daemon image, which has it");
    }

    private static void stage(Path staging, Manifest manifest, Selection selection, ImageScripts scripts)
            throws IOException, PoolFailure {
        for (LibraryFile f : selection.files()) {
            Path target = staging.resolve(f.path());
            createDirectories(staging, target.getParent());
            Files.copy(f.source(), target);
            // The manifest must describe what the image holds: a source file replaced since it was hashed
            // would otherwise reach guests under the old hash (and be mounted over the old library).
            if (Files.size(target) != f.size() || !FileDigest.sha256(target).equals(f.sha256())) {
                throw new PoolFailure(Reason.SourceChanged, "/" + f.path() + " changed in the source while the pool "
                        + "was built (it no longer has the size and sha256 it was selected with); nothing was published "
                        + "and the next pass builds again: let updates of source.hostPath finish first");
            }
            // Keep the execute bit: the kernel refuses to exec a program whose ELF interpreter
            // (ld-linux-x86-64.so.2, bind-mounted from the pool) is not executable.
            boolean executable = Files.getPosixFilePermissions(f.source()).contains(PosixFilePermission.OWNER_EXECUTE);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
        Path meta = staging.resolve(".libpool");
        createDirectories(staging, meta);
        write(meta.resolve("manifest.json"), manifest.toJson(), "rw-r--r--");
        write(meta.resolve("manifest.tsv"), manifest.toTsv(), "rw-r--r--");
        write(meta.resolve("attach.sh"), scripts.attach(), "rwxr-xr-x");
        write(meta.resolve("detach.sh"), scripts.detach(), "rwxr-xr-x");
        Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static void createDirectories(Path staging, Path dir) throws IOException {
        List<Path> created = new ArrayList<>();
        for (Path d = dir; !d.equals(staging) && !Files.isDirectory(d); d = d.getParent()) {
            created.add(d);
        }
        Files.createDirectories(dir);
        for (Path d : created) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static void write(Path file, byte[] content, String mode) throws IOException {
        Files.write(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
    }

    /** A fixed UUID per content, so the same input gives the same superblock. */
    static String uuid(Manifest manifest, ImageScripts scripts) {
        byte[] json = manifest.toJson();
        ByteBuffer all = ByteBuffer.allocate(json.length + scripts.attach().length + scripts.detach().length);
        all.put(json).put(scripts.attach()).put(scripts.detach());
        return UUID.nameUUIDFromBytes(all.array()).toString();
    }

    private static void runMkfs(Path mkfsPath, Path image, Path staging, String uuid) throws PoolFailure, IOException {
        List<String> cmd = List.of(mkfsPath.toString(), "-x-1", "-Enoinline_data", "-T0", "-U" + uuid, "--all-root",
                "--quiet", image.toString(), staging.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(MKFS_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new PoolFailure(Reason.MkfsFailed, "mkfs.erofs did not finish in " + MKFS_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running mkfs.erofs", e);
        }
        if (p.exitValue() != 0) {
            Files.deleteIfExists(image);
            throw new PoolFailure(Reason.MkfsFailed, "mkfs.erofs exited with " + p.exitValue() + ": "
                    + tail(output) + " (command: " + String.join(" ", cmd) + "); check erofs-utils (>= 1.5) and the "
                    + "free space of the state directory");
        }
    }

    /** mkfs.erofs 1.5 has no block size option: it uses the page size. DAX needs 4 KiB, so check. */
    private static void checkBlockSize(Path image) throws IOException, PoolFailure {
        ByteBuffer sb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(image)) {
            ch.read(sb, 1024);
        }
        if (sb.getInt(0) != EROFS_MAGIC || sb.get(12) != EXPECTED_BLOCK_BITS) {
            throw new PoolFailure(Reason.MkfsFailed, "mkfs.erofs wrote an image without the EROFS magic or with a "
                    + "block size other than 4 KiB (blkszbits " + sb.get(12) + "): DAX needs 4 KiB blocks");
        }
    }

    private static String tail(String s) {
        return s.length() <= 600 ? s : "..." + s.substring(s.length() - 600);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
