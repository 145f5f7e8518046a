package dev.libpool.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The guest setup the operator merges into a VM's cloud-init user data, as a pure function.
 *
 * <p>{@link #apply} adds (or updates) one pool; {@link #remove} takes it out again and, once no
 * pool is left, returns the user's data exactly as it was (byte for byte, {@code null} included).
 * Applying twice gives the same text. The shapes:
 * <ul>
 *   <li>no user data, or {@code #cloud-config} without its own {@code bootcmd}: a marked block
 *       {@code bootcmd:} is appended to the text (the user's keys and comments stay as written);</li>
 *   <li>a script ({@code #!}), a cloud-config with its own {@code bootcmd}, or anything else cloud-init
 *       reads: a MIME multipart whose first part is the user's data unchanged and whose second part is
 *       libpool's cloud-config, merged by cloud-init with {@code merge_how} list append, so the user's
 *       own bootcmd entries run too;</li>
 *   <li>user data that already is multipart: libpool's part is added as the last part.</li>
 * </ul>
 * The {@code bootcmd} entries themselves are described in {@link BootcmdBlock}.
 */
public final class CloudInitBootstrap {

    static final String BEGIN = "# >>> libpool: added by the libpool operator, do not edit (user data: %s) >>>";
    static final String END = "# <<< libpool <<<";
    private static final Pattern BEGIN_LINE = Pattern.compile(
            "(?m)^# >>> libpool: added by the libpool operator, do not edit \\(user data: ([a-z, -]+)\\) >>>\\n");
    private static final String CLOUD_CONFIG = "#cloud-config";
    private static final String PART_HEADERS = """
            Content-Type: text/cloud-config; charset="us-ascii"
            Content-Disposition: attachment; filename="libpool.cfg"
            """ + MimeUserData.MANAGED_HEADER;

    /** How the user's data was kept around the appended block, so {@link #remove} can restore it. */
    private enum Origin {
        NONE("none"), EMPTY("empty"), APPENDED("kept"), APPENDED_NEWLINE("kept, newline added");

        final String label;

        Origin(String label) {
            this.label = label;
        }

        static Origin of(String label) {
            for (Origin origin : values()) {
                if (origin.label.equals(label)) {
                    return origin;
                }
            }
            throw new IllegalArgumentException("userData has a libpool block marker with unknown origin '" + label
                    + "'; remove the libpool block and apply again");
        }
    }

    /** The user's own data and the pools libpool set up in it. */
    private record Decoded(String userData, List<GuestSetup> pools) {
    }

    private CloudInitBootstrap() {
    }

    /** User data with the guest setup of {@code setup.pool()} added or updated. */
    public static String apply(String userData, GuestSetup setup) {
        Decoded current = decode(userData);
        List<GuestSetup> pools = new ArrayList<>(current.pools());
        int at = indexOf(pools, setup.pool());
        if (at >= 0) {
            pools.set(at, setup);
        } else {
            pools.add(setup);
        }
        return encode(current.userData(), pools);
    }

    /** User data without {@code pool}'s setup; the user's original data once no pool is left. */
    public static String remove(String userData, String pool) {
        Decoded current = decode(userData);
        List<GuestSetup> pools = new ArrayList<>(current.pools());
        pools.removeIf(p -> p.pool().equals(pool));
        return pools.isEmpty() ? current.userData() : encode(current.userData(), pools);
    }

    /** The pools whose guest setup this user data carries. */
    public static List<GuestSetup> pools(String userData) {
        return decode(userData).pools();
    }

    private static int indexOf(List<GuestSetup> pools, String pool) {
        for (int i = 0; i < pools.size(); i++) {
            if (pools.get(i).pool().equals(pool)) {
                return i;
            }
        }
        return -1;
    }

    private static String encode(String userData, List<GuestSetup> pools) {
        if (userData == null) {
            return CLOUD_CONFIG + "\n" + block(Origin.NONE, pools);
        }
        if (userData.isEmpty()) {
            return CLOUD_CONFIG + "\n" + block(Origin.EMPTY, pools);
        }
        String ourBody = CLOUD_CONFIG + "\n" + BootcmdBlock.render(mergeAppend(), pools);
        if (MimeUserData.isMultipart(userData)) {
            return MimeUserData.insert(userData, PART_HEADERS, ourBody);
        }
        if (MimeUserData.isMime(userData)) {
            throw new IllegalArgumentException("userData is a single-part MIME message; libpool merges into "
                    + "#cloud-config, scripts or multipart/mixed user data: make it multipart/mixed");
        }
        String appended = appendedOrNull(userData, pools);
        return appended != null ? appended : MimeUserData.wrap(userData, PART_HEADERS, ourBody);
    }

    /** The cloud-config with the block appended, or null when appending would not merge cleanly. */
    private static String appendedOrNull(String userData, List<GuestSetup> pools) {
        if (!userData.startsWith(CLOUD_CONFIG)) {
            return null;
        }
        JsonNode user = BootcmdBlock.parse(userData);
        boolean mapping = user == null || user.isMissingNode() || user.isNull() || user.isObject();
        if (!mapping || (user.isObject() && user.has("bootcmd"))) {
            return null;
        }
        boolean newline = userData.endsWith("\n");
        String candidate = userData + (newline ? "" : "\n")
                + block(newline ? Origin.APPENDED : Origin.APPENDED_NEWLINE, pools);
        // Appending must add exactly our bootcmd and change nothing the user wrote (e.g. a text
        // ending in "..." or an open block would swallow it): otherwise use a separate part.
        ObjectNode expected = user != null && user.isObject() ? ((ObjectNode) user).deepCopy()
                : BootcmdBlock.YAML.createObjectNode();
        expected.set("bootcmd", BootcmdBlock.YAML.valueToTree(BootcmdBlock.entries(pools)));
        return expected.equals(BootcmdBlock.parse(candidate)) ? candidate : null;
    }

    private static String block(Origin origin, List<GuestSetup> pools) {
        return BEGIN.formatted(origin.label) + "\n" + BootcmdBlock.render(Map.of(), pools) + END + "\n";
    }

    /** cloud-init merge_how: append our lists to the user's (bootcmd), never replace user keys. */
    private static Map<String, Object> mergeAppend() {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("merge_how", List.of(
                Map.of("name", "list", "settings", List.of("append")),
                Map.of("name", "dict", "settings", List.of("no_replace", "recurse_list"))));
        return extra;
    }

    private static Decoded decode(String text) {
        if (text == null) {
            return new Decoded(null, List.of());
        }
        if (MimeUserData.isMultipart(text)) {
            var ours = MimeUserData.managedPart(text);
            if (ours.isEmpty()) {
                return new Decoded(text, List.of());
            }
            List<GuestSetup> pools = poolsIn(MimeUserData.body(text, ours.get()));
            String user = MimeUserData.isWrapper(text) ? MimeUserData.body(text, MimeUserData.firstPart(text))
                    : MimeUserData.without(text, ours.get());
            return new Decoded(user, pools);
        }
        Matcher begin = BEGIN_LINE.matcher(text);
        if (!begin.find()) {
            return new Decoded(text, List.of());
        }
        if (!text.endsWith(END + "\n")) {
            throw new IllegalArgumentException("userData has text after the libpool block (line '" + END
                    + "' must be last); move it above the block");
        }
        List<GuestSetup> pools = poolsIn(text.substring(begin.end(), text.length() - END.length() - 1));
        String before = text.substring(0, begin.start());
        String user = switch (Origin.of(begin.group(1))) {
            case NONE -> null;
            case EMPTY -> "";
            case APPENDED -> before;
            case APPENDED_NEWLINE -> before.substring(0, before.length() - 1);
        };
        return new Decoded(user, pools);
    }

    private static List<GuestSetup> poolsIn(String yaml) {
        JsonNode config = BootcmdBlock.parse(yaml);
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("the libpool part of userData is not valid YAML; remove it and "
                    + "apply again");
        }
        return BootcmdBlock.pools(config.get("bootcmd"));
    }
}
