package dev.libpool.node.pool;

import dev.libpool.guest.GuestScripts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guest path rule on the node, and that the guest's attach.sh applies the same one. */
class GuestPathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2",
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/opt/app/lib/lib_x-1.2@v=3,a:b~%.so", "/usr/local/lib64/a.so"})
    void admitsLibraryPaths(String path) {
        assertThat(GuestPaths.problem(path)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/usr/lib/a\nb.so", "/usr/lib/a\tb.so", "/usr/lib/a\\b.so", "/usr/lib/a b.so",
            "/usr/lib/a\u0001.so", "/usr/lib/a\u007f.so", "/usr/lib/\u00e9.so", "/usr/lib/\ufffd.so", "/usr/lib/a$b.so",
            "/usr/lib/a'b.so", "/usr/lib/a*.so", "/usr/lib/a\".so"})
    void refusesCharactersTheFormatsCannotCarry(String path) {
        assertThat(GuestPaths.problem(path)).hasValueSatisfying(p -> assertThat(p).startsWith("its name holds "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"usr/lib/a.so", "/usr/lib/../../etc/a.so", "/usr/lib/./a.so", "/usr/lib//a.so",
            "/usr/lib/..", "/usr/lib/a/", "/usr/lib/."})
    void refusesPathsThatAreNotPlainAndAbsolute(String path) {
        assertThat(GuestPaths.problem(path)).hasValue("it is not a plain absolute path (empty, . or .. segment)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/passwd", "/usr/libexec/a.so", "/lib", "/usr/bin/a.so", "/root/lib/a.so", "/libfoo.so"})
    void refusesPathsOutsideTheLibraryDirectories(String path) {
        assertThat(GuestPaths.problem(path)).hasValueSatisfying(p -> assertThat(p).startsWith("it is outside"));
    }

    @Test
    void aManifestEntryCannotHoldSuchAPath() {
        assertThatThrownBy(() -> new Manifest.Entry("/usr/lib/a\nb.so", 1, "ab".repeat(32), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a\\u000ab.so")
                .hasMessageContaining("newline");
    }

    @Test
    void printableEscapesWhatIsRefused() {
        assertThat(GuestPaths.printable("usr/lib/a\nb\\c é.so")).isEqualTo("usr/lib/a\\u000ab\\u005cc \\u00e9.so");
    }

    /** attach.sh keeps its own copy of the rule (POSIX sh cannot read Java): both must say the same. */
    @Test
    void attachShAppliesTheSameRule() {
        String attach = GuestScripts.attachScript();
        assertThat(shellValue(attach, "LIBRARY_DIRS").split(" ")).containsExactlyElementsOf(GuestPaths.LIBRARY_DIRS);
        String chars = shellValue(attach, "PATH_CHARS");
        StringBuilder expected = new StringBuilder();
        for (char c = 'a'; c <= 'z'; c++) {
            expected.append(c);
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            expected.append(c);
        }
        expected.append("0123456789").append(GuestPaths.PUNCTUATION);
        assertThat(chars).isEqualTo(expected.toString());
        assertThat(List.of(GuestPaths.PUNCTUATION.split(""))).last().as("- last: literal in a bracket expression")
                .isEqualTo("-");
    }

    private static String shellValue(String script, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + "=[\"']([^\"']*)[\"']$").matcher(script);
        assertThat(m.find()).as("%s=... in attach.sh", name).isTrue();
        return m.group(1);
    }
}
