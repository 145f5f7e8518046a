package dev.libpool.node.pool.source;

import dev.libpool.node.pool.GuestPaths;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Directories, names and link targets of an {@link Ext4Volume}: entries parsed strictly (a damaged entry is
 * corruption; a name that cannot be one path component, or a second entry of a name, is skipped and named), paths
 * looked up as the guest's kernel would (links on the way resolved against the image's root, ".." stopping there,
 * at most {@value #MAX_HOPS} links).
 */
final class Ext4Directories {

    private static final int MAX_HOPS = 40;
    private static final long MAX_DIRECTORY = 64L << 20;
    private static final int LISTINGS = 256;

    /** One directory entry: a name that is one path component, and its inode. */
    record Entry(String name, long inode) {
    }

    private final Ext4Volume fs;
    private final List<String> skipped = new ArrayList<>();
    /** Recent directory listings: the link closure looks paths up one by one, often in the same directories. */
    private final Map<Long, List<Entry>> listings = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, List<Entry>> eldest) {
            return size() > LISTINGS;
        }
    };

    Ext4Directories(Ext4Volume fs) {
        this.fs = fs;
    }

    /** What was left out, each "path (why)". */
    List<String> skipped() {
        return skipped;
    }

    /** The inode at an absolute path inside the image, links on the way resolved against the image's root. */
    Ext4Inode lookup(String path, boolean followLast) throws IOException, DiskFormatException {
        List<Ext4Inode> stack = new ArrayList<>(List.of(fs.inode(Ext4Volume.ROOT)));
        List<String> todo = new ArrayList<>(List.of(path.split("/")));
        int hops = 0;
        while (!todo.isEmpty()) {
            String name = todo.remove(0);
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (stack.size() > 1) {
                    stack.remove(stack.size() - 1);
                }
                continue;
            }
            Ext4Inode dir = stack.get(stack.size() - 1);
            Long child = dir.isDirectory() ? find(dir, name) : null;
            if (child == null) {
                return null;
            }
            Ext4Inode inode = fs.inode(child);
            if (inode.isSymlink() && (followLast || !todo.isEmpty())) {
                String target = target(inode);
                if (target == null || ++hops > MAX_HOPS) {
                    return null;
                }
                if (target.startsWith("/")) {
                    stack.subList(1, stack.size()).clear();
                }
                todo.addAll(0, List.of(target.split("/")));
                continue;
            }
            stack.add(inode);
        }
        return stack.get(stack.size() - 1);
    }

    Long find(Ext4Inode dir, String name) throws IOException, DiskFormatException {
        for (Entry e : entries(dir, "")) {
            if (e.name().equals(name)) {
                return e.inode();
            }
        }
        return null;
    }

    /** The directory's entries other than . and ..; a name that cannot be one path component is skipped. */
    List<Entry> entries(Ext4Inode dir, String relative) throws IOException, DiskFormatException {
        List<Entry> known = listings.get(dir.number());
        if (known == null) {
            known = list(dir, relative);
            listings.put(dir.number(), known);
        }
        return known;
    }

    private List<Entry> list(Ext4Inode dir, String relative) throws IOException, DiskFormatException {
        if (dir.unreadable() != null || dir.size() > MAX_DIRECTORY) {
            skip(relative + "/", dir.unreadable() != null ? dir.unreadable() : "a directory of " + dir.size() + " bytes");
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long blocks = (dir.size() + fs.blockSize - 1) / fs.blockSize;
        for (Ext4Volume.Run run : fs.runs(dir, blocks)) {
            for (long b = 0; b < run.length() && run.logical() + b < blocks; b++) {
                ByteBuffer block = fs.readBlocks(run.physical() + b, 0, fs.blockSize);
                for (int at = 0; at + 8 <= fs.blockSize; ) {
                    long inode = Integer.toUnsignedLong(block.getInt(at));
                    int recLen = block.getShort(at + 4) & 0xffff;
                    int nameLen = fs.fileType() ? block.get(at + 6) & 0xff : block.getShort(at + 6) & 0xffff;
                    if (recLen < 8 || recLen % 4 != 0 || at + recLen > fs.blockSize || 8 + nameLen > recLen) {
                        throw Ext4Volume.corrupt("directory /" + relative + " has a damaged entry");
                    }
                    if (inode != 0 && nameLen > 0) {
                        byte[] raw = new byte[nameLen];
                        block.get(at + 8, raw);
                        String name = name(raw, relative);
                        if (name != null && !seen.add(name)) {
                            skip(relative + "/" + name, "a second entry of the same name");
                        } else if (name != null) {
                            entries.add(new Entry(name, inode));
                        }
                    }
                    at += recLen;
                }
            }
        }
        return entries;
    }

    private String name(byte[] raw, String relative) {
        String name = new String(raw, StandardCharsets.UTF_8);
        if (!isUtf8(raw)) {
            skip(relative + "/" + name, "a name that is not UTF-8");
            return null;
        }
        if (name.equals(".") || name.equals("..")) {
            return null;
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            skip(relative + "/" + name, "a name holding '/' or NUL, which no file system writes");
            return null;
        }
        return name;
    }

    /** A link's target: null when empty, longer than a path may be, holding NUL or not UTF-8. */
    String target(Ext4Inode link) throws IOException, DiskFormatException {
        if (link.size() == 0 || link.size() >= 4096) {
            return null;
        }
        byte[] raw = new byte[(int) link.size()];
        if (link.fastSymlink()) {
            link.blocks().get(0, raw);
        } else if (link.unreadable() != null) {
            return null;
        } else {
            List<Ext4Volume.Run> runs = fs.runs(link, 1);
            if (runs.isEmpty()) {
                return null;
            }
            fs.readBlocks(runs.get(0).physical(), 0, raw.length).get(raw);
        }
        if (!isUtf8(raw) || new String(raw, StandardCharsets.UTF_8).indexOf('\0') >= 0) {
            return null;
        }
        return new String(raw, StandardCharsets.UTF_8);
    }

    private static boolean isUtf8(byte[] raw) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    void skip(String relative, String why) {
        if (skipped.size() < 1000) {
            skipped.add(GuestPaths.printable(relative) + " (" + why + ")");
        }
    }

}
