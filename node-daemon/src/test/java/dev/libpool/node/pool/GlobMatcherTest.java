package dev.libpool.node.pool;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GlobMatcherTest {

    @Test
    void doubleStarCrossesDirectoriesAndMatchesNoneAtAll() {
        GlobMatcher m = new GlobMatcher(List.of("usr/lib/**/*.so*"));
        assertThat(m.matches("usr/lib/libc.so.6")).isTrue();
        assertThat(m.matches("usr/lib/x86_64-linux-gnu/libc.so.6")).isTrue();
        assertThat(m.matches("usr/lib/a/b/c/libz.so")).isTrue();
        assertThat(m.matches("usr/lib/x86_64-linux-gnu/libc.a")).isFalse();
        assertThat(m.matches("usr/lib64/libc.so.6")).isFalse();
    }

    @Test
    void singleStarAndQuestionMarkStayInOneName() {
        GlobMatcher m = new GlobMatcher(List.of("lib/*.so.?"));
        assertThat(m.matches("lib/libm.so.6")).isTrue();
        assertThat(m.matches("lib/sub/libm.so.6")).isFalse();
        assertThat(m.matches("lib/libm.so.66")).isFalse();
    }

    @Test
    void regexCharactersAreLiteralAndALeadingSlashIsIgnored() {
        GlobMatcher m = new GlobMatcher(List.of("/usr/lib/libstdc++.so.6"));
        assertThat(m.matches("usr/lib/libstdc++.so.6")).isTrue();
        assertThat(m.matches("usr/lib/libstdcc.so.6")).isFalse();
    }

    @Test
    void walksOnlyDirectoriesUnderWhichAGlobCanMatch() {
        GlobMatcher m = new GlobMatcher(List.of("usr/lib/**/*.so*", "lib64/*.so"));
        assertThat(m.mayMatchUnder("")).isTrue();
        assertThat(m.mayMatchUnder("usr")).isTrue();
        assertThat(m.mayMatchUnder("usr/lib/x86_64-linux-gnu/gconv")).isTrue();
        assertThat(m.mayMatchUnder("lib64")).isTrue();
        assertThat(m.mayMatchUnder("proc")).isFalse();
        assertThat(m.mayMatchUnder("usr/share")).isFalse();
        assertThat(m.mayMatchUnder("usr/libexec")).isFalse();
        assertThat(new GlobMatcher(List.of("**/*.so")).mayMatchUnder("anything/below")).isTrue();
    }

    @Test
    void walkRootsAreTheOutermostLiteralDirectoriesOrTheNamedFiles() {
        assertThat(GlobMatcher.walkRoots(dev.libpool.api.v1alpha1.SharedLibraryPoolSpec.DEFAULT_INCLUDE))
                .containsExactly("lib", "lib64", "usr/lib", "usr/lib64", "usr/local/lib");
        assertThat(GlobMatcher.walkRoots(List.of("usr/lib/x86_64-linux-gnu/*.so.*", "usr/lib/**/*.so", "opt/x/libz.so.1")))
                .containsExactly("opt/x/libz.so.1", "usr/lib");
        assertThat(GlobMatcher.walkRoots(List.of("**/*.so*", "usr/lib/*.so"))).containsExactly("");
    }
}
