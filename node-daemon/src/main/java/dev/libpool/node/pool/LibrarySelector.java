package dev.libpool.node.pool;

import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Walks a source root (without following directory links), keeps the paths that match include and not
 * exclude, resolves each inside the root and takes the regular ELF shared objects, each real file once.
 *
 * <p>A path that cannot travel to a guest intact ({@link GuestPaths}) is refused: skipped with the reason.
 *
 * <p>A matched file that is not an ELF shared object fails the selection when the user wrote the include
 * globs (they asked for it by name); under the default include it is skipped and counted, since a guest root
 * normally holds linker scripts such as usr/lib/x86_64-linux-gnu/libc.so.
 */
public final class LibrarySelector {

    private final GlobMatcher include;
    private final GlobMatcher exclude;
    private final boolean strict;
    private final long maxBytes;
    private final SourceFacts facts;

    /**
     * @param strict   whether a matched non-ELF file fails the selection (user-written include globs)
     * @param maxBytes upper bound of the selected bytes (spec.maxSize)
     */
    public LibrarySelector(List<String> include, List<String> exclude, boolean strict, long maxBytes) {
        this(include, exclude, strict, maxBytes, new SourceFacts());
    }

    /** @param facts what earlier passes over the same root learned: unchanged files are not read again */
    public LibrarySelector(List<String> include, List<String> exclude, boolean strict, long maxBytes, SourceFacts facts) {
        this.include = new GlobMatcher(include);
        this.exclude = new GlobMatcher(exclude);
        this.strict = strict;
        this.maxBytes = maxBytes;
        this.facts = facts;
    }

    public Selection select(Path sourceRoot) throws PoolFailure {
        return select(sourceRoot, "source.hostPath.path " + sourceRoot);
    }

    /** @param field where the tree comes from, for messages ("source.diskImage.path /images/debian.qcow2") */
    public Selection select(Path sourceRoot, String field) throws PoolFailure {
        Path root = realRoot(sourceRoot, field);
        RootResolver resolver = new RootResolver(root);
        TreeMap<String, LibraryFile> byRealPath = new TreeMap<>();
        List<String> skipped = new ArrayList<>();
        List<String> notShared = new ArrayList<>();
        try {
            for (String matched : matchedPaths(root)) {
                String real = resolver.resolve(matched);
                Path file = root.resolve(real);
                if (byRealPath.containsKey(real) || exclude.matches(real)) {
                    continue; // exclude names files: a link to an excluded file does not bring it back
                }
                // the name itself first (one Java cannot even decode names no file), then a link to nothing is
                // named as such wherever it points, then where the link leads
                Optional<String> unfitName = GuestPaths.problem("/" + matched);
                if (unfitName.isPresent()) {
                    skipped.add(GuestPaths.printable(matched) + " (refused: " + unfitName.get() + ")");
                    continue;
                }
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    skipped.add(GuestPaths.printable(matched) + " (" + (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                            ? "not a regular file" : "dangling link") + ")");
                    continue;
                }
                Optional<String> unfit = real.equals(matched) ? Optional.empty() : GuestPaths.problem("/" + real);
                if (unfit.isPresent()) {
                    skipped.add(GuestPaths.printable(matched) + " (refused: " + unfit.get() + ")");
                    continue;
                }
                SourceFacts.Known known = facts.of(file);
                if (known.sha256() == null) {
                    (strict ? notShared : skipped).add(matched + " (not an ELF shared object)");
                    continue;
                }
                byRealPath.put(real, new LibraryFile(real, file, known.sha256(), known.elf(), known.stamp()));
            }
            facts.passDone();
        } catch (AccessDeniedException e) {
            throw new PoolFailure(Reason.SourceUnreadable, "cannot read " + e.getFile() + " in " + field
                    + ": make it readable by the node daemon (root) or exclude it", e);
        } catch (IOException e) {
            throw new PoolFailure(Reason.SourceUnreadable, "reading " + field + " failed: "
                    + e.getMessage() + "; check the source on the node", e);
        }
        if (!notShared.isEmpty()) {
            throw new PoolFailure(Reason.NotSharedObject, notShared.size() + " file(s) matched by include are not "
                    + "ELF shared objects, e.g. " + String.join(", ", notShared.subList(0, Math.min(3, notShared.size())))
                    + ": narrow include or add them to exclude");
        }
        Selection selection = new Selection(List.copyOf(byRealPath.values()), List.copyOf(skipped));
        checkSize(field, selection);
        return selection;
    }

    private void checkSize(String field, Selection selection) throws PoolFailure {
        if (selection.files().isEmpty()) {
            throw new PoolFailure(Reason.NothingSelected, "no ELF shared object in " + field
                    + " matches include and not exclude" + (selection.skipped().isEmpty() ? ""
                    : " (" + selection.skipped().size() + " matched path(s) skipped)")
                    + ": check the source and the include globs (relative to the source root)");
        }
        if (selection.totalBytes() > maxBytes) {
            throw new PoolFailure(Reason.SelectionTooLarge, "the " + selection.files().size() + " selected "
                    + "libraries hold " + selection.totalBytes() + " bytes, more than maxSize (" + maxBytes
                    + " bytes): raise spec.maxSize or narrow include/exclude");
        }
    }

    private static Path realRoot(Path sourceRoot, String field) throws PoolFailure {
        if (!Files.isDirectory(sourceRoot)) {
            throw new PoolFailure(Reason.SourceMissing, field + " is not a directory "
                    + "on this node: create it (an unpacked guest root) or fix the path");
        }
        if (!Files.isReadable(sourceRoot) || !Files.isExecutable(sourceRoot)) {
            throw new PoolFailure(Reason.SourceUnreadable, field + " is not readable "
                    + "by the node daemon: fix its permissions");
        }
        try {
            return sourceRoot.toRealPath();
        } catch (IOException e) {
            throw new PoolFailure(Reason.SourceUnreadable, "cannot resolve " + field + ": "
                    + e.getMessage(), e);
        }
    }

    /** Paths relative to the root that the globs select, in walk order; directory links are not entered. */
    private List<String> matchedPaths(Path root) throws IOException {
        List<String> matched = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return include.mayMatchUnder(root.relativize(dir).toString())
                        ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String rel = root.relativize(file).toString();
                if (include.matches(rel) && !exclude.matches(rel)) {
                    matched.add(rel);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw e;
            }
        });
        return matched;
    }
}
