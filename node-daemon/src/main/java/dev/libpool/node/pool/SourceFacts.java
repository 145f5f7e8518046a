package dev.libpool.node.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What selection learns from reading a source file (its ELF header, its sha256), remembered from one pass to
 * the next under the file's identity and change stamps: device, inode, size, mtime and ctime (both with
 * nanoseconds). Any write, truncate, rename over, chmod or link of the file changes one of them, so a hit
 * means the bytes were not touched; an unchanged source root is then selected by a stat walk alone, reading
 * no library bytes. Only the files seen in the last pass are kept.
 */
public final class SourceFacts {

    /** The identity and change stamps of a file, from one lstat. */
    record Stamp(List<Object> identity, long size, long mtimeNanos, long ctimeNanos) {
        static Stamp of(Path file) throws IOException {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
            return new Stamp(List.of(a.get("dev"), a.get("ino")), (Long) a.get("size"),
                    ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
        }
    }

    /** @param elf null when the file is not ELF; @param sha256 null unless it is a shared object */
    record Facts(ElfInfo elf, String sha256) {
    }

    /** Facts and the stamps of the file they were read from. */
    record Known(Stamp stamp, Facts facts) {
        String sha256() {
            return facts.sha256();
        }

        ElfInfo elf() {
            return facts.elf();
        }
    }

    private Map<List<Object>, Known> previous = new HashMap<>();
    private Map<List<Object>, Known> current = new HashMap<>();
    private long bytesRead;

    /** The facts of a regular file, read from it only when its stamps are new. */
    Known of(Path file) throws IOException {
        Stamp stamp = Stamp.of(file);
        Known known = current.get(stamp.identity());
        if (known == null || !known.stamp().equals(stamp)) {
            known = previous.get(stamp.identity());
        }
        if (known == null || !known.stamp().equals(stamp)) {
            known = new Known(stamp, read(file, stamp.size()));
        }
        current.put(stamp.identity(), known);
        return known;
    }

    private Facts read(Path file, long size) throws IOException {
        ElfInfo elf;
        try {
            elf = ElfReader.read(file);
        } catch (ElfReader.NotElfException e) {
            return new Facts(null, null);
        } finally {
            bytesRead += Math.min(size, 4096); // the header; the dynamic section is read too when there is one
        }
        if (!elf.isSharedObject()) {
            return new Facts(elf, null);
        }
        bytesRead += size;
        return new Facts(elf, FileDigest.sha256(file));
    }

    /**
     * After a build staged these files as hard links and removed the links again: their link count, so their
     * ctime, moved under the daemon's own hand. Facts whose file kept device, inode, size and mtime take the
     * new ctime, so the next pass does not hash the source again for a change the daemon made itself.
     */
    public void restamp(Iterable<Path> files) throws IOException {
        Map<List<Object>, Known> known = current.isEmpty() ? previous : current;
        for (Path file : files) {
            Stamp now = Stamp.of(file);
            Known old = known.get(now.identity());
            if (old != null && old.stamp().size() == now.size() && old.stamp().mtimeNanos() == now.mtimeNanos()) {
                known.put(now.identity(), new Known(now, old.facts()));
            }
        }
    }

    /** Ends a pass: what was not seen in it is forgotten. */
    void passDone() {
        previous = current;
        current = new HashMap<>();
    }

    /** Source bytes read so far (headers estimated at 4 KiB; hashed files whole): no growth on an unchanged root. */
    public long bytesRead() {
        return bytesRead;
    }
}
