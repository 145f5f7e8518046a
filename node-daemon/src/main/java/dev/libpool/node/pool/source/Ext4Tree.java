package dev.libpool.node.pool.source;

import dev.libpool.node.pool.GuestPaths;
import dev.libpool.node.pool.PoolFailure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Copies entries of an {@link Ext4Volume} into the scratch tree. Extraction cannot leave the tree by
 * construction: every entry is created by this process, name by name, under a directory it created itself
 * (CREATE_NEW, never following a link), and a name is one path component or it is skipped. An inode is copied
 * once (a hard link again becomes a hard link, a directory met twice, a loop, is skipped); every byte and entry
 * is charged to the {@link ReadBudget} before it is written. Odd entries are skipped with a reason.
 */
final class Ext4Tree implements ImageTree {

    private static final int MAX_HOPS = 40;
    private static final long MAX_DIRECTORY = 64L << 20;
    private static final int CHUNK = 1 << 20;

    private record Entry(String name, long inode) {
    }

    private final Ext4Volume fs;
    private final ReadBudget budget;
    private final List<String> skipped = new ArrayList<>();
    private final Map<Long, Path> copiedFiles = new HashMap<>();
    private final Set<Long> copiedDirs = new HashSet<>();

    Ext4Tree(Ext4Volume fs, ReadBudget budget) {
        this.fs = fs;
        this.budget = budget;
    }

    /** What was not copied, each "path (why)". */
    List<String> skipped() {
        return skipped;
    }

    @Override
    public void copyOut(List<String> paths, Path root) throws PoolFailure, IOException {
        try {
            for (String path : paths) {
                if (path.equals("/")) {
                    copyChildren(fs.inode(Ext4Volume.ROOT), "", root);
                    continue;
                }
                String parent = path.substring(0, path.lastIndexOf('/'));
                String name = path.substring(path.lastIndexOf('/') + 1);
                Ext4Inode dir = lookup(parent, true);
                Long child = dir == null || !dir.isDirectory() ? null : find(dir, name);
                if (child != null) {
                    copy(fs.inode(child), path.substring(1), ScratchDirs.directories(root, parent));
                }
            }
        } catch (DiskFormatException e) {
            throw e.asIo();
        }
    }

    @Override
    public Kind kind(String path) throws IOException {
        try {
            Ext4Inode inode = lookup(path, false);
            if (inode == null) {
                return Kind.MISSING;
            }
            return inode.isDirectory() ? Kind.DIRECTORY : inode.isSymlink() ? Kind.SYMLINK
                    : inode.isRegular() ? Kind.FILE : Kind.OTHER;
        } catch (DiskFormatException e) {
            throw e.asIo();
        }
    }

    /** The inode at an absolute path inside the image, links on the way resolved against the image's root. */
    private Ext4Inode lookup(String path, boolean followLast) throws IOException, DiskFormatException {
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

    private Long find(Ext4Inode dir, String name) throws IOException, DiskFormatException {
        for (Entry e : entries(dir, "")) {
            if (e.name().equals(name)) {
                return e.inode();
            }
        }
        return null;
    }

    private void copy(Ext4Inode inode, String relative, Path parent) throws IOException, DiskFormatException, PoolFailure {
        String name = relative.substring(relative.lastIndexOf('/') + 1);
        Path dest = parent.resolve(name);
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            return; // copied before (an include prefix inside another)
        }
        String unreadable = inode.unreadable();
        if (unreadable != null && !inode.fastSymlink()) {
            skip(relative, unreadable);
            return;
        }
        budget.entry(relative);
        if (inode.isDirectory()) {
            if (!copiedDirs.add(inode.number())) {
                skip(relative, "a directory met twice: a hard-linked directory or a loop");
                return;
            }
            Files.createDirectory(dest);
            copyChildren(inode, relative, dest);
            Files.setPosixFilePermissions(dest, permissions(inode.mode()));
        } else if (inode.isSymlink()) {
            String target = target(inode);
            if (target == null) {
                skip(relative, "a link whose target is empty, too long, or not UTF-8");
                return;
            }
            budget.spend(target.length(), relative);
            Files.createSymbolicLink(dest, Path.of(target));
        } else if (inode.isRegular()) {
            Path first = copiedFiles.get(inode.number());
            if (first != null) {
                Files.createLink(dest, first); // a hard link: its bytes once
                return;
            }
            budget.spend(inode.size(), relative);
            writeFile(inode, dest, relative);
            Files.setPosixFilePermissions(dest, permissions(inode.mode()));
            copiedFiles.put(inode.number(), dest);
        } else {
            skip(relative, "not a regular file, directory or link");
        }
    }

    private void copyChildren(Ext4Inode dir, String relative, Path dest) throws IOException, DiskFormatException, PoolFailure {
        for (Entry e : entries(dir, relative)) {
            copy(fs.inode(e.inode()), relative.isEmpty() ? e.name() : relative + "/" + e.name(), dest);
        }
    }

    private void writeFile(Ext4Inode inode, Path dest, String relative) throws IOException, DiskFormatException, PoolFailure {
        long blocks = (inode.size() + fs.blockSize - 1) / fs.blockSize;
        try (FileChannel out = FileChannel.open(dest, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            for (Ext4Volume.Run run : fs.runs(inode, blocks)) {
                long start = run.logical() * fs.blockSize;
                long end = Math.min(inode.size(), (run.logical() + run.length()) * fs.blockSize);
                for (long at = start; at < end; at += CHUNK) {
                    budget.checkTime(relative);
                    int n = (int) Math.min(CHUNK, end - at);
                    ByteBuffer data = fs.readBlocks(run.physical(), at - start, n);
                    while (data.hasRemaining()) {
                        out.write(data, at + n - data.remaining());
                    }
                }
            }
            if (out.size() < inode.size()) {
                out.write(ByteBuffer.allocate(1), inode.size() - 1); // a hole at the end: the file's full length
            }
        }
    }

    /** The directory's entries other than . and ..; a name that cannot be one path component is skipped. */
    private List<Entry> entries(Ext4Inode dir, String relative) throws IOException, DiskFormatException {
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
    private String target(Ext4Inode link) throws IOException, DiskFormatException {
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

    private void skip(String relative, String why) {
        if (skipped.size() < 1000) {
            skipped.add(GuestPaths.printable(relative) + " (" + why + ")");
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE: bits 8..0
        for (int i = 0; i < 9; i++) {
            if ((mode & (1 << (8 - i))) != 0) {
                set.add(all[i]);
            }
        }
        return set;
    }
}
