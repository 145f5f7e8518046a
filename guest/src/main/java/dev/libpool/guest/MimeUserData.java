package dev.libpool.guest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough MIME multipart for cloud-init user data: wrap a user's data as the first part of a
 * new multipart/mixed, add a part to a user's own multipart, and find or remove the part libpool
 * added, always leaving the user's bytes untouched. A part's body ends before the line break that
 * precedes the next boundary line (RFC 2046), so any user data survives exactly.
 */
final class MimeUserData {

    /** Header naming the part libpool manages. */
    static final String MANAGED_HEADER = "X-Libpool: managed";
    /** Top-level header of a multipart libpool created around the user's data. */
    static final String WRAPPED_HEADER = "X-Libpool-Wrapped: user-data";
    private static final Pattern BOUNDARY =
            Pattern.compile("(?i)boundary\\s*=\\s*(?:\"([^\"]+)\"|([^\\s;]+))");

    /** A part of a multipart: where its boundary line starts, where its body starts and ends. */
    record Part(int start, int bodyStart, int bodyEnd, int end, String headers) {
    }

    private MimeUserData() {
    }

    /** True when the text is a MIME message of type multipart/*. */
    static boolean isMultipart(String text) {
        return contentType(text).map(t -> t.toLowerCase(Locale.ROOT).startsWith("multipart/")).orElse(false);
    }

    /** True when the text starts with MIME headers including Content-Type (single part or multipart). */
    static boolean isMime(String text) {
        return contentType(text).isPresent();
    }

    static boolean isWrapper(String text) {
        return headerBlock(text).lines().anyMatch(l -> l.strip().equalsIgnoreCase(WRAPPED_HEADER));
    }

    /** A new multipart/mixed: the user's data unchanged as a text/plain part, then {@code ours}. */
    static String wrap(String userData, String ourHeaders, String ourBody) {
        String boundary = "==libpool-" + sha256(userData).substring(0, 24) + "==";
        return "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\n"
                + "MIME-Version: 1.0\n"
                + WRAPPED_HEADER + "\n\n"
                + "--" + boundary + "\n"
                // text/plain: cloud-init types such a part by its first line, as it would the bare data.
                + "Content-Type: text/plain; charset=\"utf-8\"\n"
                + "Content-Transfer-Encoding: 8bit\n"
                + "Content-Disposition: attachment; filename=\"user-data\"\n\n"
                + userData + "\n"
                + "--" + boundary + "\n"
                + ourHeaders + "\n\n"
                + ourBody + "\n"
                + "--" + boundary + "--\n";
    }

    /** The user's multipart with {@code ours} inserted as the last part. */
    static String insert(String multipart, String ourHeaders, String ourBody) {
        String boundary = boundary(multipart);
        Matcher close = Pattern.compile("(?m)^--" + Pattern.quote(boundary) + "--").matcher(multipart);
        int at = -1;
        while (close.find()) {
            at = close.start();
        }
        if (at < 0) {
            throw new IllegalArgumentException("userData is multipart but has no closing boundary line --"
                    + boundary + "--; fix the userData");
        }
        String eol = multipart.contains("\r\n") ? "\r\n" : "\n";
        String part = "--" + boundary + eol + ourHeaders.replace("\n", eol) + eol + eol + ourBody + eol;
        return multipart.substring(0, at) + part + multipart.substring(at);
    }

    /** The part carrying {@link #MANAGED_HEADER}, if any. */
    static Optional<Part> managedPart(String multipart) {
        return parts(multipart, true).stream().findFirst();
    }

    /** The first part of the multipart (in a wrapper: the user's data). */
    static Part firstPart(String multipart) {
        return parts(multipart, false).stream().findFirst()
                .orElseThrow(() -> new IllegalArgumentException("userData multipart has no part"));
    }

    static String body(String multipart, Part part) {
        return multipart.substring(part.bodyStart(), part.bodyEnd());
    }

    static String without(String multipart, Part part) {
        return multipart.substring(0, part.start()) + multipart.substring(part.end());
    }

    private static List<Part> parts(String multipart, boolean managedOnly) {
        String boundary = boundary(multipart);
        Matcher line = Pattern.compile("(?m)^--" + Pattern.quote(boundary) + "(--)?[ \\t]*\\r?$").matcher(multipart);
        List<int[]> delimiters = new ArrayList<>();
        while (line.find()) {
            delimiters.add(new int[] {line.start(), line.end(), line.group(1) == null ? 0 : 1});
        }
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i + 1 < delimiters.size(); i++) {
            int[] open = delimiters.get(i);
            if (open[2] == 1) {
                break;
            }
            int headersStart = skipLineBreak(multipart, open[1]);
            int blank = blankLine(multipart, headersStart);
            int next = delimiters.get(i + 1)[0];
            if (blank < 0 || blank > next) {
                continue;
            }
            String headers = multipart.substring(headersStart, blank);
            int bodyStart = skipLineBreak(multipart, skipLineBreak(multipart, blank));
            int bodyEnd = next - (next >= 2 && multipart.startsWith("\r\n", next - 2) ? 2 : 1);
            boolean managed = headers.lines().anyMatch(l -> l.strip().equalsIgnoreCase(MANAGED_HEADER));
            if (!managedOnly || managed) {
                parts.add(new Part(open[0], bodyStart, Math.max(bodyStart, bodyEnd), next, headers));
            }
        }
        return parts;
    }

    private static int skipLineBreak(String text, int at) {
        if (text.startsWith("\r\n", at)) {
            return at + 2;
        }
        return text.startsWith("\n", at) ? at + 1 : at;
    }

    /** Index of the line break that ends the header block starting at {@code from} (an empty line). */
    private static int blankLine(String text, int from) {
        Matcher blank = Pattern.compile("\\r?\\n\\r?\\n").matcher(text);
        if (text.startsWith("\n", from) || text.startsWith("\r\n", from)) {
            return from; // a part without headers
        }
        return blank.find(from) ? blank.start() : -1;
    }

    private static String boundary(String multipart) {
        Matcher m = BOUNDARY.matcher(contentType(multipart).orElse(""));
        if (!m.find()) {
            throw new IllegalArgumentException("userData is multipart but its Content-Type has no boundary; "
                    + "fix the userData");
        }
        return m.group(1) != null ? m.group(1) : m.group(2);
    }

    /** The top-level Content-Type header (unfolded), when the text starts with MIME headers. */
    private static Optional<String> contentType(String text) {
        String headers = headerBlock(text);
        if (headers.isEmpty()) {
            return Optional.empty();
        }
        String unfolded = headers.replaceAll("\\r?\\n[ \\t]+", " ");
        for (String line : unfolded.split("\\r?\\n")) {
            if (!line.matches("[A-Za-z0-9-]+:.*")) {
                return Optional.empty(); // not a header block at all
            }
            if (line.regionMatches(true, 0, "Content-Type:", 0, "Content-Type:".length())) {
                return Optional.of(line.substring("Content-Type:".length()).strip());
            }
        }
        return Optional.empty();
    }

    private static String headerBlock(String text) {
        if (text == null) {
            return "";
        }
        Matcher blank = Pattern.compile("\\r?\\n\\r?\\n").matcher(text);
        return blank.find() ? text.substring(0, blank.start()) : "";
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
