package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.RootResolver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Completes a partial copy of an image's tree so that every link in it resolves as it does in the image: a
 * link under usr/lib may point to /etc/alternatives/..., which the copy of the include directories lacks.
 * Each missing component on the way is taken from the image (a directory as an empty one, a link or file as
 * itself), so the selector then resolves links in the copy exactly as in the image. Links to nothing stay
 * dangling, as they are in the image; links that climb above the root are left to the selector to report.
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

    LinkClosure(Path root, ImageTree image) {
        this.root = root;
        this.image = image;
        this.resolver = new RootResolver(root, this::fetch);
    }

    /** @return how many entries were taken from the image */
    int complete() throws PoolFailure, IOException {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            int before = fetches;
            List<Path> links;
            try (Stream<Path> walk = Files.walk(root)) {
                links = walk.filter(Files::isSymbolicLink).toList();
            }
            for (Path link : links) {
                materialize(root.relativize(link).toString());
            }
            if (fetches == before) {
                break;
            }
        }
        return fetches;
    }

    private void materialize(String relative) throws IOException {
        try {
            resolver.resolve(relative);
        } catch (PoolFailure f) {
            // a loop or a climb above the root: left for the selector to report with the link's name
        }
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
