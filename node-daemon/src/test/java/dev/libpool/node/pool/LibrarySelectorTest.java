package dev.libpool.node.pool;

import dev.libpool.node.pool.PoolFailure.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Selection over a crafted guest root: crafted ELF objects, links, linker scripts, loops and escapes. */
class LibrarySelectorTest {

    private static final List<String> DEFAULT = List.of("lib/**/*.so*", "usr/lib/**/*.so*");

    @TempDir
    Path root;
    private Path libdir;

    @BeforeEach
    void guestRoot() throws IOException {
        libdir = Files.createDirectories(root.resolve("usr/lib/x86_64-linux-gnu"));
        Files.write(libdir.resolve("libcrafted.so.7.0.1"), new TestElf().bytes());
        Files.createSymbolicLink(libdir.resolve("libcrafted.so.7"), Path.of("libcrafted.so.7.0.1"));
        // merged /usr: lib -> usr/lib (a directory link, not walked: no duplicates)
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        // an absolute link is resolved inside the root, as in the guest
        Files.createSymbolicLink(libdir.resolve("libabs.so"), Path.of("/usr/lib/x86_64-linux-gnu/libcrafted.so.7.0.1"));
        Files.writeString(libdir.resolve("libc.so"), "GROUP ( libc.so.6 )\n"); // a linker script
        Files.createSymbolicLink(libdir.resolve("libgone.so"), Path.of("libgone.so.1")); // dangling
    }

    @Test
    void takesEachRealSharedObjectOnceAtItsRealPath() throws Exception {
        Selection s = selector(DEFAULT, List.of(), false, 1 << 20).select(root);
        assertThat(s.files()).extracting(LibraryFile::path).containsExactly("usr/lib/x86_64-linux-gnu/libcrafted.so.7.0.1");
        LibraryFile f = s.files().get(0);
        assertThat(f.guestPath()).isEqualTo("/usr/lib/x86_64-linux-gnu/libcrafted.so.7.0.1");
        assertThat(f.elf().soname()).contains("libcrafted.so.7");
        assertThat(f.sha256()).isEqualTo(FileDigest.sha256(libdir.resolve("libcrafted.so.7.0.1"))).hasSize(64);
        assertThat(s.skipped()).anyMatch(x -> x.startsWith("usr/lib/x86_64-linux-gnu/libc.so (not an ELF"))
                .anyMatch(x -> x.contains("libgone.so (dangling link)"));
    }

    @Test
    void excludeWinsOverInclude() throws Exception {
        Files.write(libdir.resolve("libother.so.1"), new TestElf().bytes());
        Selection s = selector(DEFAULT, List.of("**/libcrafted*"), false, 1 << 20).select(root);
        assertThat(s.files()).extracting(LibraryFile::path).containsExactly("usr/lib/x86_64-linux-gnu/libother.so.1");
    }

    @Test
    void userWrittenIncludeMatchingANonElfFileFails() {
        assertFailure(selector(List.of("usr/lib/**/*.so*"), List.of(), true, 1 << 20), Reason.NotSharedObject, "libc.so");
    }

    @Test
    void objectFilesAreNotSharedObjects() throws Exception {
        TestElf rel = new TestElf();
        rel.type = 1;
        Files.write(libdir.resolve("crt.so.o"), rel.bytes());
        assertFailure(selector(List.of("**/*.so.o"), List.of(), true, 1 << 20), Reason.NotSharedObject, "crt.so.o");
    }

    @Test
    void symlinkLoopFails() throws Exception {
        Files.createSymbolicLink(libdir.resolve("liba.so"), Path.of("libb.so"));
        Files.createSymbolicLink(libdir.resolve("libb.so"), Path.of("liba.so"));
        assertFailure(selector(DEFAULT, List.of(), false, 1 << 20), Reason.SymlinkLoop, "liba.so");
    }

    @Test
    void linkClimbingAboveTheRootFails() throws Exception {
        Files.createSymbolicLink(libdir.resolve("libevil.so"), Path.of("../../../../../etc/passwd"));
        assertFailure(selector(DEFAULT, List.of(), false, 1 << 20), Reason.SymlinkEscapesRoot, "libevil.so");
    }

    /** Names the manifest and the guest cannot carry are refused with the reason; the good library stays. */
    @Test
    void namesThatCannotReachAGuestIntactAreRefusedWithTheReason() throws Exception {
        byte[] elf = new TestElf().bytes();
        for (String name : List.of("libnew\nline.so", "libtab\t.so", "lib\\back.so", "lib space.so", "libé.so")) {
            Files.write(libdir.resolve(name), elf);
        }
        // A name that is not UTF-8 cannot be written through java.nio here: the shell writes the byte.
        Process p = new ProcessBuilder("sh", "-c", "cp \"$1/libcrafted.so.7.0.1\" \"$1/lib$(printf '\\377').so\"", "sh",
                libdir.toString()).inheritIO().start();
        assertThat(p.waitFor()).isZero();
        Files.createDirectories(root.resolve("etc"));
        Files.write(root.resolve("etc/libetc.so"), elf);

        Selection s = selector(List.of("usr/lib/**/*.so*", "etc/*.so"), List.of(), false, 1 << 20).select(root);

        assertThat(s.files()).extracting(LibraryFile::path).containsExactly("usr/lib/x86_64-linux-gnu/libcrafted.so.7.0.1");
        assertThat(s.skipped()).filteredOn(x -> x.contains("(refused: ")).hasSize(7);
        assertThat(s.skipped())
                .anyMatch(x -> x.equals("usr/lib/x86_64-linux-gnu/libnew\\u000aline.so (refused: its name holds a newline "
                        + "(U+000A), which the manifest and the guest's shell cannot carry; rename the file or exclude it)"))
                .anyMatch(x -> x.contains("libtab\\u0009.so (refused: its name holds a tab"))
                .anyMatch(x -> x.contains("lib\\u005cback.so (refused: its name holds a backslash"))
                .anyMatch(x -> x.contains("lib space.so (refused: its name holds a space"))
                .anyMatch(x -> x.contains("(refused: its name holds a non-ASCII character (U+00E9)"))
                .anyMatch(x -> x.contains("(refused: its name holds bytes that are not UTF-8"))
                .anyMatch(x -> x.startsWith("etc/libetc.so (refused: it is outside the library directories"));
        assertThat(s.skipped()).noneMatch(x -> x.contains("\n") || x.contains("\t"));
    }

    @Test
    void selectionLargerThanMaxSizeFails() {
        assertFailure(selector(DEFAULT, List.of(), false, 100), Reason.SelectionTooLarge, "raise spec.maxSize");
    }

    @Test
    void nothingSelectedFails() {
        assertFailure(selector(List.of("opt/**/*.so"), List.of(), false, 1 << 20), Reason.NothingSelected, "include");
    }

    @Test
    void missingSourceFails() {
        LibrarySelector s = selector(DEFAULT, List.of(), false, 1 << 20);
        assertThatThrownBy(() -> s.select(root.resolve("nope"))).isInstanceOf(PoolFailure.class)
                .hasFieldOrPropertyWithValue("reason", Reason.SourceMissing).hasMessageContaining("source.hostPath.path");
    }

    private static LibrarySelector selector(List<String> include, List<String> exclude, boolean strict, long max) {
        return new LibrarySelector(include, exclude, strict, max);
    }

    private void assertFailure(LibrarySelector selector, Reason reason, String text) {
        assertThatThrownBy(() -> selector.select(root)).isInstanceOf(PoolFailure.class)
                .hasFieldOrPropertyWithValue("reason", reason).hasMessageContaining(text);
    }
}
