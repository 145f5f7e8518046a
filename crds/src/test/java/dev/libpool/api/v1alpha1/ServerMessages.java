package dev.libpool.api.v1alpha1;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the API server says for a violation the local validator words its own way. A rule's message (our CEL
 * rules) is the same on both; a structural violation is worded by the JSON-schema library locally and by the
 * API server's OpenAPI validation there.
 */
final class ServerMessages {
    private record Translation(Pattern local, String server) {
    }

    private static final List<Translation> TRANSLATIONS = List.of(
            new Translation(Pattern.compile("^([\\w.]+)\\.(\\d+): must be at most (\\d+) characters.*"),
                    "$1[$2]: Too long: may not be more than $3 bytes"),
            new Translation(Pattern.compile("^([\\w.]+): does not have a value in the enumeration.*"), "$1: Unsupported value"),
            new Translation(Pattern.compile("^([\\w.]+): does not match the regex pattern.*"), "$1 in body should match"),
            new Translation(Pattern.compile("^([\\w.]+): must have a maximum value of (\\d+).*"),
                    "$1 in body should be less than or equal to $2"),
            new Translation(Pattern.compile("^([\\w.]+): must have a minimum value of (\\d+).*"),
                    "$1 in body should be greater than or equal to $2"),
            new Translation(Pattern.compile("^required property '(\\w+)' not found.*"), "$1: Required value"));

    private ServerMessages() {
    }

    static String expected(String localMessage) {
        for (Translation t : TRANSLATIONS) {
            Matcher m = t.local().matcher(localMessage);
            if (m.matches()) {
                return m.replaceFirst(t.server());
            }
        }
        return localMessage;
    }
}
