package dev.libpool.node.pool;

import dev.libpool.node.host.Tools;
import dev.libpool.node.learn.LearnedPages;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
    /** Scratch entries of the build dir with this prefix are removed at the start of every pass (a crash leftover). */
    public static final String STAGING_PREFIX = "staging-";

    private final String mkfs;

    /** @param mkfs the mkfs.erofs command: a name looked up on PATH or an absolute path */
    public ErofsImageBuilder(String mkfs) {
        this.mkfs = mkfs;
    }

    public BuiltImage build(Manifest manifest, Selection selection, ImageScripts scripts, long deviceSize,
                            Path scratchDir) throws PoolFailure, IOException {
        return build(manifest, selection, scripts, deviceSize, scratchDir, null);
    }

    /**
     * @param dense learned pages to lay out together, or null for the plain layout. Dense images are built with
     *              4 KiB chunks: mkfs.erofs stores identical chunks once and writes data in tree order, so the
     *              touched pages, staged first as {@code /.libpool/touched}, lie together at the start of the
     *              data, and each library's chunks point there for its touched pages.
     */
    public BuiltImage build(Manifest manifest, Selection selection, ImageScripts scripts, long deviceSize,
                            Path scratchDir, LearnedPages dense) throws PoolFailure, IOException {
        Path mkfsPath = locateMkfs();
        Files.createDirectories(scratchDir);
        Path staging = Files.createTempDirectory(scratchDir, STAGING_PREFIX);
        Path image = scratchDir.resolve(Path.of(staging.getFileName() + ".img"));
        try {
            long t0 = System.nanoTime();
            stage(staging, manifest, selection, scripts);
            FaultPoint.reach(FaultPoint.Step.STAGED);
            if (dense != null) {
                DenseArea.write(staging.resolve(".libpool/touched"), selection, dense);
            }
            long t1 = System.nanoTime();
            runMkfs(mkfsPath, image, staging, uuid(manifest, scripts), dense != null);
            long t2 = System.nanoTime();
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
            String sha256 = FileDigest.sha256(image, dataBytes, deviceSize);
            long t3 = System.nanoTime();
            FaultPoint.reach(FaultPoint.Step.IMAGE_BUILT);
            return new BuiltImage(image, dataBytes, deviceSize, sha256, manifest,
                    new BuiltImage.Timing((t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000));
        } finally {
            FileTrees.delete(staging);
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
                FileTrees.delete(p);
            }
        }
    }

    /** Whether mkfs.erofs can be found: a missing tool is a pool failure, not a crash. */
    Path locateMkfs() throws PoolFailure {
        return Tools.locate(mkfs).orElseThrow(() ->
                new PoolFailure(Reason.MkfsMissing, mkfs + " was not found on this node: install erofs-utils "
                + "(apt-get install erofs-utils) or use the libpool node daemon image, which has it"));
    }

    private static void stage(Path staging, Manifest manifest, Selection selection, ImageScripts scripts)
            throws IOException, PoolFailure {
        Map<FileKey, Path> staged = new HashMap<>();
        for (LibraryFile f : selection.files()) {
            Path target = staging.resolve(f.path());
            createDirectories(staging, target.getParent());
            Path first = staged.putIfAbsent(FileKey.of(f.source()), target);
            if (first != null) {
                // the same source inode under another path: one inode in the image too, its data stored once
                Files.createLink(target, first);
                continue;
            }
            // Keep the execute bit: the kernel refuses to exec a program whose ELF interpreter
            // (ld-linux-x86-64.so.2, bind-mounted from the pool) is not executable.
            boolean executable = Files.getPosixFilePermissions(f.source()).contains(PosixFilePermission.OWNER_EXECUTE);
            String mode = executable ? "rwxr-xr-x" : "rw-r--r--";
            // The manifest must describe what the image holds: a source file replaced or rewritten since it was
            // hashed would otherwise reach guests under the old hash (and be mounted over the old library).
            // A link shares the source's inode: unchanged identity and change stamps since it was hashed (a write,
            // even one that puts mtime back, or a rename over changes them) mean the same bytes, as selection
            // itself trusts them; taken before linking, which moves the ctime, and the link must be that inode (not
            // one renamed over the path meanwhile). Anything else, and every copy, is hashed again: what mkfs.erofs
            // reads is the staged file.
            boolean unchanged = SourceFacts.Stamp.of(f.source()).equals(f.stamp());
            boolean linked = linkIn(f.source(), target, mode);
            if (!linked) {
                Files.copy(f.source(), target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(mode));
            }
            boolean proven = linked && unchanged && SourceFacts.Stamp.of(target).identity().equals(f.stamp().identity());
            if (!proven && (Files.size(target) != f.size() || !FileDigest.sha256(target).equals(f.sha256()))) {
                throw new PoolFailure(Reason.SourceChanged, "/" + f.path() + " changed in the source while the pool "
                        + "was built (it no longer has the size and sha256 it was selected with); nothing was published "
                        + "and the next pass builds again: let updates of source.hostPath finish first");
            }
        }
        Path meta = staging.resolve(".libpool");
        createDirectories(staging, meta);
        write(meta.resolve("manifest.json"), manifest.toJson(), "rw-r--r--");
        write(meta.resolve("manifest.tsv"), manifest.toTsv(), "rw-r--r--");
        write(meta.resolve("attach.sh"), scripts.attach(), "rwxr-xr-x");
        write(meta.resolve("detach.sh"), scripts.detach(), "rwxr-xr-x");
        write(meta.resolve("bootstrap.sh"), scripts.bootstrap(), "rwxr-xr-x");
        Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * Stages a library as a hard link to its source instead of a copy where that gives mkfs.erofs the same
     * input: the source already has the normalized mode (a link cannot be chmod-ed without changing the
     * source). Owner, times, link count and xattrs do not reach the image (--all-root, -T0, -x-1). Returns
     * false where a copy is needed: another mode, another file system, or a link the kernel refuses (an
     * immutable source, fs.protected_hardlinks without CAP_FOWNER).
     */
    private static boolean linkIn(Path source, Path target, String mode) throws IOException {
        if (!PosixFilePermissions.toString(Files.getPosixFilePermissions(source, LinkOption.NOFOLLOW_LINKS)).equals(mode)) {
            return false;
        }
        try {
            Files.createLink(target, source);
            return true;
        } catch (IOException e) {
            return false;
        }
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
        ByteBuffer all = ByteBuffer.allocate(json.length + scripts.attach().length + scripts.detach().length
                + scripts.bootstrap().length);
        all.put(json).put(scripts.attach()).put(scripts.detach()).put(scripts.bootstrap());
        return UUID.nameUUIDFromBytes(all.array()).toString();
    }

    private static void runMkfs(Path mkfsPath, Path image, Path staging, String uuid, boolean chunked)
            throws PoolFailure, IOException {
        List<String> cmd = new ArrayList<>(List.of(mkfsPath.toString(), "-x-1", "-Enoinline_data", "-T0", "-U" + uuid,
                "--all-root", "--quiet"));
        if (chunked) {
            cmd.add("--chunksize=" + DenseArea.PAGE);
        }
        cmd.addAll(List.of(image.toString(), staging.toString()));
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
}
