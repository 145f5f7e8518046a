package dev.libpool.node.learn;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.BitSet;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The pages guests touched, by library guest path and page of that library (not by image page, so that it
 * carries over from one generation to the next). Kept per pool in {@code <meta>/<pool>/learned.json}.
 */
public final class LearnedPages {

    /** Paths under this prefix are the pool's own files (manifest, scripts, the dense area), not libraries. */
    public static final String OWN_FILES = "/.libpool/";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SortedMap<String, BitSet> pages;

    public LearnedPages(SortedMap<String, BitSet> pages) {
        this.pages = pages;
    }

    public static LearnedPages empty() {
        return new LearnedPages(new TreeMap<>());
    }

    /** The library pages behind the touched image pages of one image (pure). */
    public static LearnedPages of(ErofsLayout layout, BitSet imagePages) {
        SortedMap<String, BitSet> out = new TreeMap<>();
        for (int p = imagePages.nextSetBit(0); p >= 0; p = imagePages.nextSetBit(p + 1)) {
            for (long[] at : layout.filesAtBlock(p)) {
                String path = layout.files().get((int) at[0]).path();
                if (!path.startsWith(OWN_FILES)) {
                    out.computeIfAbsent(path, k -> new BitSet()).set((int) at[1]);
                }
            }
        }
        return new LearnedPages(out);
    }

    public Map<String, BitSet> byPath() {
        return Collections.unmodifiableMap(pages);
    }

    public boolean isEmpty() {
        return pages.isEmpty();
    }

    public long pageCount() {
        return pages.values().stream().mapToLong(BitSet::cardinality).sum();
    }

    /** This and {@code other} together; {@code this} when nothing is new. */
    public LearnedPages union(LearnedPages other) {
        SortedMap<String, BitSet> merged = new TreeMap<>();
        pages.forEach((k, v) -> merged.put(k, (BitSet) v.clone()));
        other.pages.forEach((k, v) -> merged.computeIfAbsent(k, x -> new BitSet()).or(v));
        LearnedPages result = new LearnedPages(merged);
        return result.pageCount() == pageCount() && merged.keySet().equals(pages.keySet()) ? this : result;
    }

    /** sha256 over the sorted paths and their pages: names what a dense generation was built from. */
    public String digest() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            pages.forEach((path, bits) -> {
                md.update(path.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(bits.toByteArray());
                md.update((byte) 0);
            });
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void write(Path file) throws IOException {
        Map<String, String> encoded = new TreeMap<>();
        pages.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.toByteArray())));
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        JSON.writeValue(temp.toFile(), encoded);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** What was learned before, or nothing when the file is missing or unreadable (learning starts over). */
    public static LearnedPages read(Path file) {
        if (!Files.exists(file)) {
            return empty();
        }
        try {
            Map<String, String> encoded = JSON.readValue(file.toFile(),
                    JSON.getTypeFactory().constructMapType(TreeMap.class, String.class, String.class));
            SortedMap<String, BitSet> pages = new TreeMap<>();
            encoded.forEach((k, v) -> pages.put(k, BitSet.valueOf(Base64.getDecoder().decode(v))));
            return new LearnedPages(pages);
        } catch (IOException | IllegalArgumentException e) {
            return empty();
        }
    }
}
