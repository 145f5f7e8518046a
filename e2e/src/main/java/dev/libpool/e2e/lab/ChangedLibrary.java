package dev.libpool.e2e.lab;

import java.nio.charset.StandardCharsets;

/**
 * A shared library changed so that its sha256 differs while it still loads: one letter of its section
 * name ".shstrtab" (the dynamic loader never reads section names). Same size, other content: the attach
 * must then keep the guest's own copy.
 */
final class ChangedLibrary {
    private static final byte[] SECTION = ".shstrtab".getBytes(StandardCharsets.US_ASCII);

    private ChangedLibrary() {
    }

    /** {@code library} with the change made; {@code what} names it in the error. */
    static byte[] of(byte[] library, String what) {
        int at = indexOf(library, SECTION);
        if (at < 0) {
            throw new LabException(what + " has no section name table to change; pick another library");
        }
        byte[] changed = library.clone();
        changed[at + SECTION.length - 1] = 'B';
        return changed;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
