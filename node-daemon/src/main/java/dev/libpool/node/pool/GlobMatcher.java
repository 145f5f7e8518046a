package dev.libpool.node.pool;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Globs on '/'-separated relative paths: a single star and '?' stay within one name, a double star crosses
 * directories, and "double star, slash" also matches no directory at all (so "lib/ + double star + /*.so"
 * matches lib/a.so), which java.nio's glob syntax does not do.
 */
public final class GlobMatcher {

    private final List<Pattern> patterns;
    /** Per glob, its leading directories without wildcards, e.g. "usr/lib" for the default include of usr/lib. */
    private final List<String> literalPrefixes;

    public GlobMatcher(List<String> globs) {
        this.patterns = globs.stream().map(GlobMatcher::toRegex).map(Pattern::compile).toList();
        this.literalPrefixes = globs.stream().map(GlobMatcher::literalPrefix).toList();
    }

    /** Whether a file under the directory {@code dir} (relative, "" for the root) could match: walks skip the rest. */
    public boolean mayMatchUnder(String dir) {
        return literalPrefixes.stream().anyMatch(prefix -> dir.isEmpty() || prefix.isEmpty()
                || (prefix + "/").startsWith(dir + "/") || (dir + "/").startsWith(prefix + "/"));
    }

    /**
     * The directories a walk must enter, outermost only ("" for the whole root): what a disk-image source copies
     * out. A glob without wildcards names a file, which is its own prefix.
     */
    public static List<String> walkRoots(List<String> globs) {
        List<String> roots = globs.stream().map(g -> g.contains("*") || g.contains("?") ? literalPrefix(g)
                : (g.startsWith("/") ? g.substring(1) : g)).distinct().sorted().toList();
        return roots.stream().filter(r -> roots.stream().noneMatch(o -> !o.equals(r)
                && (o.isEmpty() || r.startsWith(o + "/")))).toList();
    }

    private static String literalPrefix(String glob) {
        String g = glob.startsWith("/") ? glob.substring(1) : glob;
        String[] parts = g.split("/");
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < parts.length - 1 && !parts[i].contains("*") && !parts[i].contains("?"); i++) {
            prefix.append(prefix.length() == 0 ? "" : "/").append(parts[i]);
        }
        return prefix.toString();
    }

    public boolean matches(String relativePath) {
        return patterns.stream().anyMatch(p -> p.matcher(relativePath).matches());
    }

    static String toRegex(String glob) {
        String g = glob.startsWith("/") ? glob.substring(1) : glob;
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < g.length(); i++) {
            char c = g.charAt(i);
            if (c == '*' && i + 1 < g.length() && g.charAt(i + 1) == '*') {
                boolean slash = i + 2 < g.length() && g.charAt(i + 2) == '/';
                re.append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            } else if (c == '*') {
                re.append("[^/]*");
            } else if (c == '?') {
                re.append("[^/]");
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
