package dev.libpool.node.pool;

import java.util.List;
import java.util.Optional;

/**
 * Which guest paths may cross node -> image -> guest. A path travels as a line of manifest.tsv that the guest's
 * POSIX sh splits on tabs and newlines, compares against /proc/self/mountinfo (which octal-escapes space, tab,
 * newline and backslash) and hands to mount(8); the node's JVM decodes file names with the host locale. Rather than
 * an escaping that every one of those readers would have to undo, a name outside a small portable set is refused
 * with a named reason: shared libraries never need more. The guest's attach.sh applies the same rule again (it
 * treats the manifest as untrusted); {@code GuestPathsContractTest} checks that both sides agree.
 */
public final class GuestPaths {

    /** Directories whose files may be substituted in a guest (also in attach.sh as LIBRARY_DIRS). */
    public static final List<String> LIBRARY_DIRS = List.of("/lib", "/lib32", "/lib64", "/libx32", "/usr/lib",
            "/usr/lib32", "/usr/lib64", "/usr/libx32", "/usr/local/lib", "/usr/local/lib64", "/opt");

    /** Every character a guest path may hold besides ASCII letters and digits (also in attach.sh). */
    public static final String PUNCTUATION = "/._+@%,:=~-";

    private GuestPaths() {
    }

    /** Why {@code path} cannot be a guest path, or empty when it can. */
    public static Optional<String> problem(String path) {
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (!allowed(c)) {
                return Optional.of("its name holds " + describe(c) + ", which the manifest and the guest's shell cannot "
                        + "carry; rename the file or exclude it");
            }
        }
        if (!path.startsWith("/") || path.contains("//") || path.endsWith("/") || path.contains("/./")
                || path.contains("/../") || path.endsWith("/.") || path.endsWith("/..")) {
            return Optional.of("it is not a plain absolute path (empty, . or .. segment)");
        }
        if (LIBRARY_DIRS.stream().noneMatch(dir -> path.startsWith(dir + "/"))) {
            return Optional.of("it is outside the library directories " + String.join(" ", LIBRARY_DIRS)
                    + " that guests substitute; move it or exclude it");
        }
        return Optional.empty();
    }

    /** {@code path} with every character outside the portable set shown as a Java escape, for messages. */
    public static String printable(String path) {
        StringBuilder out = new StringBuilder(path.length());
        path.chars().forEach(c -> out.append(allowed((char) c) || c == ' ' ? String.valueOf((char) c)
                : String.format("\\u%04x", c)));
        return out.toString();
    }

    private static boolean allowed(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || PUNCTUATION.indexOf(c) >= 0;
    }

    private static String describe(char c) {
        String code = String.format("U+%04X", (int) c);
        return switch (c) {
            case '\n' -> "a newline (" + code + ")";
            case '\t' -> "a tab (" + code + ")";
            case ' ' -> "a space (" + code + ")";
            case '\\' -> "a backslash (" + code + ")";
            case '\uFFFD' -> "bytes that are not UTF-8 (" + code + " after decoding)";
            default -> c < 0x20 || c == 0x7F ? "a control character (" + code + ")"
                    : c > 0x7F ? "a non-ASCII character (" + code + ")" : "'" + c + "' (" + code + ")";
        };
    }
}
