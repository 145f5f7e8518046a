package dev.libpool.node.ksm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads and writes /sys/kernel/mm/ksm (or a fixture tree of the same shape). Writes are all-or-nothing:
 * every value and file is checked before the first write, each write is read back, and a failure midway
 * writes back what was already changed.
 */
public class KsmSysfs {
    private final Path dir;
    private final long pageSizeBytes;

    public KsmSysfs(Path dir, long pageSizeBytes) {
        this.dir = dir;
        this.pageSizeBytes = pageSizeBytes;
    }

    public Path dir() { return dir; }

    /** False when the kernel has no KSM (no run file). */
    public boolean available() {
        return Files.isRegularFile(dir.resolve(KsmKnob.RUN.fileName()));
    }

    public KsmReading read() throws IOException {
        Map<String, Long> counters = new HashMap<>();
        String advisorMode = null;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : (Iterable<Path>) files.sorted()::iterator) {
                if (!Files.isRegularFile(file)) {
                    continue;
                }
                String name = file.getFileName().toString();
                String text = Files.readString(file, StandardCharsets.US_ASCII).trim();
                if (name.equals(KsmKnob.ADVISOR_MODE.fileName())) {
                    advisorMode = selectedChoice(text);
                } else if (text.matches("-?\\d+")) {
                    counters.put(name, Long.parseLong(text));
                }
            }
        }
        return new KsmReading(counters, advisorMode, pageSizeBytes);
    }

    /** sysfs shows a choice as "[none] scan-time"; a plain fixture file may hold just "none". */
    static String selectedChoice(String text) {
        int open = text.indexOf('[');
        int close = text.indexOf(']');
        return open >= 0 && close > open ? text.substring(open + 1, close) : text;
    }

    /** Validates the values against the API's ranges, then writes them (see {@link #write}). */
    public void apply(KsmSettings settings) throws KsmWriteException {
        for (Map.Entry<KsmKnob, String> e : settings.values().entrySet()) {
            e.getKey().validate(e.getValue());
        }
        write(settings);
    }

    /**
     * Writes the settings in the safe order, reading each back. Checks first that every file exists and is
     * writable and that no knob needing an unmerged system meets merged pages; on a failure midway, writes back
     * the previous values in reverse order and throws, saying what was rolled back.
     */
    public void write(KsmSettings settings) throws KsmWriteException {
        if (settings.isEmpty()) {
            return;
        }
        KsmReading before = readForWrite();
        for (KsmKnob knob : settings.values().keySet()) {
            checkWritable(knob, before);
            boolean changes = !settings.get(knob).equals(before.value(knob).orElse(null));
            if (knob.needsNothingMerged() && changes && before.anythingMerged()) {
                throw new KsmWriteException(KsmWriteException.Reason.BUSY, knob.fileName() + " can only change while no "
                        + "page is merged (pages_shared=" + before.counter("pages_shared").orElse(0L) + "): leave "
                        + knob.fileName() + " unset, or unmerge first by writing 2 to " + dir.resolve("run")
                        + " (this can briefly raise memory use), then reconcile again");
            }
        }
        List<Map.Entry<KsmKnob, String>> written = new ArrayList<>();
        for (Map.Entry<KsmKnob, String> e : settings.inWriteOrder()) {
            try {
                writeAndVerify(e.getKey(), e.getValue());
                written.add(e);
            } catch (KsmWriteException failure) {
                throw new KsmWriteException(failure.reason(), failure.getMessage() + "; " + rollBack(written, before));
            }
        }
    }

    private KsmReading readForWrite() throws KsmWriteException {
        if (!available()) {
            throw new KsmWriteException(KsmWriteException.Reason.KNOB_MISSING,
                    "no KSM at " + dir + " (kernel without CONFIG_KSM, or sysfs not mounted there)");
        }
        try {
            return read();
        } catch (IOException e) {
            throw new KsmWriteException(KsmWriteException.Reason.IO, "cannot read " + dir + ": " + e.getMessage());
        }
    }

    private void checkWritable(KsmKnob knob, KsmReading before) throws KsmWriteException {
        Path file = dir.resolve(knob.fileName());
        if (!before.has(knob)) {
            throw new KsmWriteException(KsmWriteException.Reason.KNOB_MISSING, "this kernel has no " + file
                    + (knob.name().startsWith("ADVISOR") ? " (the scan-time advisor needs Linux 6.7+)" : "")
                    + ": remove the setting that needs " + knob.fileName() + " from ksm of the pool");
        }
        try {
            // root passes access(2) checks, so look at the mode bits: sysfs shows a file the kernel will not
            // accept writes to as 0444. A read-only mount (containers often mount /sys so) is checked too.
            boolean ownerWrite = Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_WRITE);
            if (!ownerWrite || Files.getFileStore(file).isReadOnly()) {
                throw new KsmWriteException(KsmWriteException.Reason.READ_ONLY, file + " is read-only"
                        + (ownerWrite ? " (read-only mount)" : " (mode " + modeOf(file) + ")")
                        + ": give the daemon the host's sysfs read-write, e.g. through /proc/1/root/sys/kernel/mm/ksm "
                        + "with a privileged container");
            }
        } catch (IOException e) {
            throw new KsmWriteException(KsmWriteException.Reason.IO, "cannot inspect " + file + ": " + e.getMessage());
        }
    }

    private static String modeOf(Path file) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }

    private void writeAndVerify(KsmKnob knob, String value) throws KsmWriteException {
        Path file = dir.resolve(knob.fileName());
        try {
            // One write(2) of the whole value, without O_CREAT: a sysfs attribute parses exactly one write.
            Files.writeString(file, value, StandardCharsets.US_ASCII,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw classify(knob, value, e);
        }
        String readBack;
        try {
            readBack = selectedChoice(Files.readString(file, StandardCharsets.US_ASCII).trim());
        } catch (IOException e) {
            throw new KsmWriteException(KsmWriteException.Reason.IO, "cannot read back " + file + ": " + e.getMessage());
        }
        if (!readBack.equals(value)) {
            throw new KsmWriteException(KsmWriteException.Reason.KERNEL_REFUSED,
                    "wrote " + knob.fileName() + "=" + value + " but it reads back " + readBack);
        }
    }

    private KsmWriteException classify(KsmKnob knob, String value, IOException e) {
        String text = String.valueOf(e.getMessage());
        String what = "writing " + knob.fileName() + "=" + value + " to " + dir + " failed: " + text;
        if (text.contains("busy")) {
            return new KsmWriteException(KsmWriteException.Reason.BUSY, what + " (the kernel allows this only while no "
                    + "page is merged)");
        }
        if (text.contains("Invalid argument")) {
            return new KsmWriteException(KsmWriteException.Reason.KERNEL_REFUSED, what + (knob == KsmKnob.PAGES_TO_SCAN
                    ? " (the kernel refuses pages_to_scan while advisor_mode=scan-time)" : ""));
        }
        if (text.contains("Read-only") || text.contains("Permission denied") || text.contains("not permitted")) {
            return new KsmWriteException(KsmWriteException.Reason.READ_ONLY, what);
        }
        return new KsmWriteException(KsmWriteException.Reason.IO, what);
    }

    private String rollBack(List<Map.Entry<KsmKnob, String>> written, KsmReading before) {
        if (written.isEmpty()) {
            return "nothing was written";
        }
        List<String> restored = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (int i = written.size() - 1; i >= 0; i--) {
            KsmKnob knob = written.get(i).getKey();
            String previous = before.value(knob).orElseThrow();
            try {
                writeAndVerify(knob, previous);
                restored.add(knob.fileName() + "=" + previous);
            } catch (KsmWriteException e) {
                failed.add(e.getMessage());
            }
        }
        return "rolled back " + String.join(", ", restored)
                + (failed.isEmpty() ? "" : "; rollback FAILED: " + String.join("; ", failed));
    }
}
