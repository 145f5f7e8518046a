package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/**
 * Completes a partial copy of an image's tree so that every link in it resolves as it does in the image: a
 * link under usr/lib may point to /etc/alternatives/..., which the copy of the include directories lacks.
 * Each missing component on the way is taken from the image (a directory as an empty one, a link or file as
 * itself), so the selector then resolves links in the copy exactly as in the image. Links to nothing stay
 * dangling, as they are in the image; links that climb above the root are left to the selector to report.
 */
final class LinkClosure {

    /** The kernel's limit of links followed in one path, as RootResolver uses. */
    private static final int MAX_HOPS = 40;
    private static final int MAX_FETCHES = 20_000;
    private static final int MAX_ROUNDS = 4;

    private final Path root;
    private final ImageTree image;
    private final Sandbox sandbox;
    private int fetches;

    LinkClosure(Path root, ImageTree image, Sandbox sandbox) {
        this.root = root;
        this.image = image;
        this.sandbox = sandbox;
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
                if (fetches >= MAX_FETCHES) {
                    return fetches;
                }
                materialize(root.relativize(link).toString());
            }
            if (fetches == before) {
                break;
            }
        }
        return fetches;
    }

    private void materialize(String relative) throws PoolFailure, IOException {
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
                    return;
                }
                done.remove(done.size() - 1);
                continue;
            }
            Path candidate = root.resolve(String.join("/", done)).resolve(name);
            if (!Files.exists(candidate, LinkOption.NOFOLLOW_LINKS) && !fetch(done, name, candidate)) {
                return;
            }
            if (!Files.isSymbolicLink(candidate)) {
                done.add(name);
                continue;
            }
            if (++hops > MAX_HOPS) {
                return;
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
    }

    /** Takes one missing entry from the image; false when the image has nothing there either. */
    private boolean fetch(List<String> parent, String name, Path candidate) throws PoolFailure, IOException {
        String inImage = "/" + (parent.isEmpty() ? "" : String.join("/", parent) + "/") + name;
        fetches++;
        switch (image.kind(inImage)) {
            case DIRECTORY -> sandbox.createDirectories(root, candidate);
            case SYMLINK, FILE -> image.copyOut(List.of(inImage), root);
            default -> {
                return false;
            }
        }
        return Files.exists(candidate, LinkOption.NOFOLLOW_LINKS);
    }
}
