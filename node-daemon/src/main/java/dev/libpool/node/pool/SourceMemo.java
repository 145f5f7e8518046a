package dev.libpool.node.pool;

import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a disk image gave last time ({@code <state>/meta/<pool>/source.key}): the generation, or a failure that
 * only another image or spec can cure, so an unchanged image is not read again on every pass or after a restart. The key covers the image file's identity and everything of
 * the spec and the daemon that shapes the pool; any change means a fresh read.
 */
final class SourceMemo {

    private static final String FILE = "source.key";
    private static final String OK = "Published";
    /** Failures decided by the image and the spec alone: reading the same image again gives the same. */
    private static final Set<Reason> SETTLED = EnumSet.of(Reason.InvalidSpec, Reason.UnsupportedImageFormat,
            Reason.DiskImageCorrupt, Reason.DiskImageTruncated, Reason.DiskImageTooLarge, Reason.UnknownPartitionTable,
            Reason.UnsupportedFilesystem, Reason.NothingSelected, Reason.NotSharedObject, Reason.SelectionTooLarge,
            Reason.SymlinkLoop, Reason.SymlinkEscapesRoot, Reason.DiskImageOverBudget);
    private static final ObjectMapper JSON = new ObjectMapper();

    private SourceMemo() {
    }

    static String key(String contentKey, SharedLibraryPoolSpec spec, ImageScripts scripts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (Object part : List.of(contentKey, JSON.writeValueAsString(spec.getSource()), spec.effectiveInclude(),
                    String.valueOf(spec.getExclude()), String.valueOf(spec.getMaxSize()))) {
                md.update(part.toString().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
            }
            md.update(scripts.attach());
            md.update(scripts.detach());
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether this key is the one the source was last read with and nothing needs reading: true when that read
     * gave the serving generation; a failure of that read is thrown again, unless it may pass on a retry.
     */
    static boolean unchanged(Path metaDir, String key, Optional<String> serving) throws PoolFailure {
        List<String> lines;
        try {
            lines = Files.readAllLines(metaDir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return false; // no memo: one more read
        }
        if (lines.size() < 3 || !lines.get(0).equals(key)) {
            return false;
        }
        if (lines.get(1).equals(OK)) {
            return serving.equals(Optional.of(lines.get(2)));
        }
        Reason reason;
        try {
            reason = Reason.valueOf(lines.get(1));
        } catch (IllegalArgumentException e) {
            return false; // a memo from another version: read again
        }
        throw new PoolFailure(reason, lines.get(2) + " (the image is unchanged since: change it, or the spec, to read it again)");
    }

    static void record(Path metaDir, Optional<String> key, String digest) throws IOException {
        if (key.isPresent()) {
            write(metaDir, key.get(), OK, digest);
        }
    }

    /** Remembers a failure that only a different image or spec can cure; others (tools, host, medium) are retried. */
    static void recordFailure(Path metaDir, Optional<String> key, PoolFailure failure) throws IOException {
        if (key.isPresent() && SETTLED.contains(failure.reason())) {
            write(metaDir, key.get(), failure.reason().name(), failure.getMessage().replace('\n', ' '));
        }
    }

    private static void write(Path metaDir, String key, String outcome, String detail) throws IOException {
        Files.createDirectories(metaDir);
        Path temp = metaDir.resolve(FILE + ".tmp");
        Files.writeString(temp, key + "\n" + outcome + "\n" + detail + "\n", StandardCharsets.UTF_8);
        Files.move(temp, metaDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
