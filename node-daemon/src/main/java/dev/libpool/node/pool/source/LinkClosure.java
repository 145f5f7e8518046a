package dev.libpool.node.pool.source;

import dev.libpool.node.pool.GuestPaths;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;
import dev.libpool.node.pool.RootResolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Completes a partial copy of an image's tree so that every link in it resolves as it does in the image: a
 * link under usr/lib may point to /etc/alternatives/..., which the copy of the include directories lacks.
 * Each missing component on the way is taken from the image (a directory as an empty one, a link or file as
 * itself), so the selector then resolves links in the copy exactly as in the image. Links to nothing stay
 * dangling, as they are in the image; a link whose ".." climb above the root is clamped there, as the guest's kernel
 * does; a link that still loops or climbs out is taken out of the copy and named.
 */
final class LinkClosure {

    private static final int MAX_FETCHES = 20_000;
    private static final int MAX_ROUNDS = 4;

    private final Path root;
    private final ImageTree image;
    private final RootResolver resolver;
    /** Paths (relative to the root) that the image does not have either. */
    private final Set<String> missing = new HashSet<>();
    private int fetches;
    private int rewritten;

    LinkClosure(Path root, ImageTree image) {
        this.root = root;
        this.image = image;
        this.resolver = new RootResolver(root, this::fetch);
    }

    /**
     * @param skipped where a link taken out of the copy is recorded, "path (why)"
     * @return how many entries were taken from the image
     */
    int complete(List<String> skipped) throws PoolFailure, IOException {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int before = fetches + rewritten;
            for (Path link : links()) {
                materialize(root.relativize(link).toString());
            }
            if (fetches + rewritten == before) {
                break;
            }
        }
        // what still loops or climbs out is one odd link of the guest, not a reason to refuse the whole pool
        RootResolver plain = new RootResolver(root, (parent, name, candidate) -> { });
        for (Path link : links()) {
            String relative = root.relativize(link).toString();
            try {
                plain.resolve(relative);
            } catch (PoolFailure f) {
                Files.delete(link);
                skipped.add(GuestPaths.printable(relative) + " (" + (f.reason() == Reason.SymlinkLoop
                        ? "a symlink loop" : "a link that climbs above the root") + ")");
            }
        }
        return fetches;
    }

    private List<Path> links() throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isSymbolicLink).toList();
        }
    }

    private void materialize(String relative) throws IOException, PoolFailure {
        try {
            resolver.resolve(relative);
        } catch (PoolFailure f) {
            if (f.reason() == Reason.SymlinkEscapesRoot) {
                clampAtRoot(root.resolve(relative));
            } else if (f.reason() != Reason.SymlinkLoop) {
                throw f; // a budget or a damaged image: not the link's
            }
        }
    }

    /**
     * A relative link whose leading ".." climb above the root ("../../../../lib/x" four levels down) leads, in the
     * guest, where its kernel stops climbing: at "/". Written as the absolute target it means there, so the copy
     * resolves as the guest does instead of the whole pool failing on it.
     */
    private void clampAtRoot(Path link) throws IOException {
        String target = Files.readSymbolicLink(link).toString();
        if (target.startsWith("/")) {
            return;
        }
        List<String> parts = new ArrayList<>(List.of(target.split("/")));
        int depth = root.relativize(link).getNameCount() - 1;
        int up = 0;
        while (!parts.isEmpty() && (parts.get(0).equals("..") || parts.get(0).equals(".") || parts.get(0).isEmpty())) {
            up += parts.remove(0).equals("..") ? 1 : 0;
        }
        if (up <= depth) {
            return; // the climb out happens further on, through another link: that one is clamped in its turn
        }
        Files.delete(link);
        Files.createSymbolicLink(link, Path.of("/" + String.join("/", parts)));
        rewritten++;
    }

    /** Takes one missing entry from the image, unless its parent is already known to be missing there too. */
    private void fetch(String parent, String name, Path candidate) throws PoolFailure, IOException {
        String relative = parent.isEmpty() ? name : parent + "/" + name;
        if (missing.contains(relative) || missing.contains(parent) || fetches >= MAX_FETCHES) {
            missing.add(relative);
            return;
        }
        fetches++;
        switch (image.kind("/" + relative)) {
            case DIRECTORY -> ScratchDirs.directories(root, root.relativize(candidate).toString());
            case SYMLINK, FILE -> image.copyOut(List.of("/" + relative), root);
            default -> missing.add(relative);
        }
    }
}
