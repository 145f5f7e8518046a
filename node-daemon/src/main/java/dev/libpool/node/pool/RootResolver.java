package dev.libpool.node.pool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path inside a source root as a process chrooted there would (absolute link targets start at
 * the root), except that climbing above the root is an error instead of being clamped, and more than
 * {@value #MAX_HOPS} links (the kernel's limit) is reported as a loop.
 */
public final class RootResolver {

    static final int MAX_HOPS = 40;

    /** Supplies a component missing under the root (a partial copy of an image completes itself this way). */
    @FunctionalInterface
    public interface Materializer {
        /**
         * @param parent    the resolved parent, relative to the root ("" for the root itself)
         * @param candidate the missing path under the root
         */
        void materialize(String parent, String name, Path candidate) throws IOException, PoolFailure;
    }

    private final Path root;
    private final Materializer materializer;

    RootResolver(Path root) {
        this(root, (parent, name, candidate) -> { });
    }

    public RootResolver(Path root, Materializer materializer) {
        this.root = root;
        this.materializer = materializer;
    }

    /** The real path of {@code relative} inside the root, relative to it ("usr/lib/x86_64-linux-gnu/libc.so.6"). */
    public String resolve(String relative) throws IOException, PoolFailure {
        Deque<String> todo = new ArrayDeque<>(List.of(relative.split("/")));
        List<String> done = new ArrayList<>();
        int hops = 0;
        while (!todo.isEmpty()) {
            String name = todo.pollFirst();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                if (done.isEmpty()) {
                    throw new PoolFailure(PoolFailure.Reason.SymlinkEscapesRoot, relative + " resolves to a path above "
                            + "the source root " + root + ": point the link inside the root or add it to exclude");
                }
                done.remove(done.size() - 1);
                continue;
            }
            Path candidate = root.resolve(String.join("/", done)).resolve(name);
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
                materializer.materialize(String.join("/", done), name, candidate);
            }
            if (!Files.isSymbolicLink(candidate)) {
                done.add(name);
                continue;
            }
            if (++hops > MAX_HOPS) {
                throw new PoolFailure(PoolFailure.Reason.SymlinkLoop, relative + " under " + root + " goes through more "
                        + "than " + MAX_HOPS + " symlinks (a loop): fix the links or add the path to exclude");
            }
            String target = Files.readSymbolicLink(candidate).toString();
            if (target.startsWith("/")) {
                done.clear();
            }
            List<String> parts = List.of(target.split("/"));
            for (int i = parts.size() - 1; i >= 0; i--) {
                todo.addFirst(parts.get(i));
            }
        }
        return String.join("/", done);
    }
}
