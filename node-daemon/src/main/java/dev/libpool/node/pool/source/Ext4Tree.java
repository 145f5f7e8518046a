package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
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

    private static final int CHUNK = 1 << 20;

    private final Ext4Volume fs;
    private final ReadBudget budget;
    private final Ext4Directories dirs;
    private final Map<Long, Path> copiedFiles = new HashMap<>();
    private final Set<Long> copiedDirs = new HashSet<>();

    Ext4Tree(Ext4Volume fs, ReadBudget budget) {
        this.fs = fs;
        this.budget = budget;
        this.dirs = new Ext4Directories(fs);
    }

    /** What was not copied, each "path (why)". */
    List<String> skipped() {
        return dirs.skipped();
    }

    @Override
    public void copyOut(List<String> paths, Path root) throws PoolFailure, IOException {
        try {
            for (String path : paths) {
                if (path.equals("/")) {
                    copiedDirs.add(Ext4Volume.ROOT);
                    copyChildren(fs.inode(Ext4Volume.ROOT), "", root);
                    continue;
                }
                String parent = path.substring(0, path.lastIndexOf('/'));
                String name = path.substring(path.lastIndexOf('/') + 1);
                Ext4Inode dir = dirs.lookup(parent, true);
                Long child = dir == null || !dir.isDirectory() ? null : dirs.find(dir, name);
                if (child == null) {
                    continue;
                }
                Path into;
                try {
                    into = ScratchDirs.directories(root, parent);
                } catch (FileAlreadyExistsException e) {
                    dirs.skip(path.substring(1), "a link of the copy lies on its way");
                    continue;
                }
                copy(fs.inode(child), path.substring(1), into);
            }
        } catch (DiskFormatException e) {
            throw e.asIo();
        }
    }

    @Override
    public Kind kind(String path) throws IOException {
        try {
            Ext4Inode inode = dirs.lookup(path, false);
            if (inode == null) {
                return Kind.MISSING;
            }
            return inode.isDirectory() ? Kind.DIRECTORY : inode.isSymlink() ? Kind.SYMLINK
                    : inode.isRegular() ? Kind.FILE : Kind.OTHER;
        } catch (DiskFormatException e) {
            throw e.asIo();
        }
    }

    private void copy(Ext4Inode inode, String relative, Path parent) throws IOException, DiskFormatException, PoolFailure {
        String name = relative.substring(relative.lastIndexOf('/') + 1);
        Path dest = parent.resolve(name);
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            return; // copied before (an include prefix inside another)
        }
        String unreadable = inode.unreadable();
        if (unreadable != null && !inode.fastSymlink()) {
            dirs.skip(relative, unreadable);
            return;
        }
        budget.entry(relative);
        if (inode.isDirectory()) {
            if (!copiedDirs.add(inode.number())) {
                dirs.skip(relative, "a directory met twice: a hard-linked directory or a loop");
                return;
            }
            Files.createDirectory(dest);
            copyChildren(inode, relative, dest);
            Files.setPosixFilePermissions(dest, permissions(inode.mode()));
        } else if (inode.isSymlink()) {
            String target = dirs.target(inode);
            if (target == null) {
                dirs.skip(relative, "a link whose target is empty, too long, or not UTF-8");
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
            dirs.skip(relative, "not a regular file, directory or link");
        }
    }

    private void copyChildren(Ext4Inode dir, String relative, Path dest) throws IOException, DiskFormatException, PoolFailure {
        for (Ext4Directories.Entry e : dirs.entries(dir, relative)) {
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
