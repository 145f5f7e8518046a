package dev.libpool.node.pool.source;

import dev.libpool.node.pool.FileTrees;
import dev.libpool.node.pool.RootResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The closure against an "image" that is a plain directory here, standing for Ext4Tree's view of one. */
class LinkClosureTest {

    private Path dir;
    private Path image;
    private Path copy;
    private final List<String> asked = new ArrayList<>();

    /** Answers like Ext4Tree: kinds by lstat, copies one entry (a link as a link). */
    private final ImageTree tree = new ImageTree() {
        @Override
        public void copyOut(List<String> paths, Path root) throws IOException {
            for (String p : paths) {
                Path target = root.resolve(p.substring(1));
                Files.createDirectories(target.getParent());
                Files.copy(image.resolve(p.substring(1)), target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }

        @Override
        public Kind kind(String path) {
            asked.add(path);
            Path p = image.resolve(path.substring(1));
            if (Files.isSymbolicLink(p)) {
                return Kind.SYMLINK;
            }
            return Files.isDirectory(p) ? Kind.DIRECTORY : Files.isRegularFile(p) ? Kind.FILE : Kind.MISSING;
        }
    };

    @BeforeEach
    void trees() throws IOException {
        dir = Files.createTempDirectory("link-closure-");
        image = Files.createDirectories(dir.resolve("image"));
        copy = Files.createDirectories(dir.resolve("copy"));
        Files.createDirectories(image.resolve("usr/lib"));
        Files.createDirectories(image.resolve("etc/alternatives"));
        Files.createDirectories(image.resolve("opt/blas/big-dir-never-needed"));
        Files.writeString(image.resolve("opt/blas/libblas.so.3"), "blas");
        Files.writeString(image.resolve("opt/blas/big-dir-never-needed/x"), "x");
        Files.createSymbolicLink(image.resolve("etc/alternatives/libblas.so.3"), Path.of("../../opt/blas/libblas.so.3"));
        // the copied include directory, as the reader leaves it
        Files.createDirectories(copy.resolve("usr/lib"));
        Files.createSymbolicLink(copy.resolve("usr/lib/libblas.so.3"), Path.of("/etc/alternatives/libblas.so.3"));
        Files.createSymbolicLink(copy.resolve("usr/lib/libgone.so.1"), Path.of("/nowhere/deeper/libgone.so.1"));
        Files.createSymbolicLink(copy.resolve("usr/lib/libup.so"), Path.of("../../../../etc/passwd"));
        Files.createSymbolicLink(copy.resolve("usr/lib/loop-a"), Path.of("loop-b"));
        Files.createSymbolicLink(copy.resolve("usr/lib/loop-b"), Path.of("loop-a"));
    }

    @AfterEach
    void cleanUp() throws IOException {
        FileTrees.delete(dir);
    }

    @Test
    void linksLeavingTheCopyAreCompletedFromTheImageEntryByEntry() throws Exception {
        List<String> skipped = new ArrayList<>();
        int fetched = new LinkClosure(copy, tree).complete(skipped);

        String real = new RootResolver(copy, (parent, name, candidate) -> { }).resolve("usr/lib/libblas.so.3");
        assertThat(real).as("resolves in the copy as in the image").isEqualTo("opt/blas/libblas.so.3");
        assertThat(copy.resolve(real)).hasContent("blas");
        assertThat(copy.resolve("opt/blas/big-dir-never-needed")).as("directories on the way come empty, not whole")
                .doesNotExist();
        assertThat(copy.resolve("usr/lib/libgone.so.1")).as("dangling in the image, dangling in the copy")
                .satisfies(p -> assertThat(Files.exists(p)).isFalse());
        assertThat(asked).as("under a path the image lacks nothing more is asked").contains("/nowhere")
                .doesNotContain("/nowhere/deeper");
        assertThat(Files.readSymbolicLink(copy.resolve("usr/lib/libup.so"))).as("a climb above the root stops there, "
                + "as in the guest: the image's /etc/passwd, never the node's").isEqualTo(Path.of("/etc/passwd"));
        assertThat(asked).contains("/etc/passwd").noneMatch(p -> p.startsWith("/usr/lib/loop-"));
        assertThat(skipped).as("one half of the loop taken out and named").singleElement().asString()
                .matches("usr/lib/loop-[ab] \\(a symlink loop\\)");
        assertThat(fetched).isEqualTo(asked.size());
    }

    @Test
    void aCompletedCopyAsksTheImageOnlyForWhatItLacks() throws Exception {
        new LinkClosure(copy, tree).complete(new java.util.ArrayList<>());
        asked.clear();

        int fetched = new LinkClosure(copy, tree).complete(new java.util.ArrayList<>());
        // a fresh closure learns again what the image lacks: the dangling links' targets (one is the loop's half)
        assertThat(asked.stream().filter(p -> !p.startsWith("/usr/lib/loop-"))).containsExactly("/nowhere", "/etc/passwd");
        assertThat(fetched).isEqualTo(asked.size());
    }
}
