package dev.libpool.api.v1alpha1;

/** Schema patterns shared by several fields. */
final class PathPatterns {
    /** Absolute, not "/", and no "." or ".." segment: each segment starts with a letter, digit, '_' or '-'. */
    static final String ABSOLUTE_NO_DOT_SEGMENTS = "^(/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$";

    private PathPatterns() {
    }
}
