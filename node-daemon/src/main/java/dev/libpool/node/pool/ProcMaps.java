package dev.libpool.node.pool;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Which processes map which files: /proc/PID/maps under the configured proc root. */
public final class ProcMaps {

    private final Path proc;

    public ProcMaps(Path proc) {
        this.proc = proc;
    }

    /** The files mapped by one maps text (a pure function for tests). */
    public static Set<FileKey> mappedFiles(String maps) {
        Set<FileKey> keys = new HashSet<>();
        for (String line : maps.split("\n")) {
            FileKey key = keyOfHeader(line);
            if (key != null && key.inode() != 0) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** The file of a maps/smaps mapping header "start-end perms offset dev inode [path]", or null for other lines. */
    public static FileKey keyOfHeader(String line) {
        String[] f = line.trim().split("\\s+", 7);
        if (f.length < 5 || f[0].indexOf('-') < 0 || f[3].indexOf(':') < 0 || f[0].endsWith(":")) {
            return null;
        }
        try {
            return FileKey.parse(f[3], f[4]);
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return null;
        }
    }

    /** PID -> the wanted files it maps, for every process that maps at least one of them. */
    public Map<Long, Set<FileKey>> mappers(Set<FileKey> wanted) throws IOException {
        Map<Long, Set<FileKey>> result = new LinkedHashMap<>();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path pidDir : pids) {
                String maps = readIfPresent(pidDir.resolve("maps"));
                Set<FileKey> mapped = mappedFiles(maps);
                mapped.retainAll(wanted);
                if (!mapped.isEmpty()) {
                    result.put(Long.parseLong(pidDir.getFileName().toString()), mapped);
                }
            }
        }
        return result;
    }

    /** smaps of one process, or "" when it exited meanwhile. */
    public String smaps(long pid) throws IOException {
        return readIfPresent(proc.resolve(Long.toString(pid)).resolve("smaps"));
    }

    private static String readIfPresent(Path file) throws IOException {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1); // paths may be any bytes
        } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException e) {
            return ""; // the process exited between listing and reading, or is a kernel thread we may not read
        } catch (IOException e) {
            if (!Files.exists(file)) {
                return "";
            }
            throw e;
        }
    }
}
