package dev.libpool.operator.vm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;

/**
 * A JSON patch as text, with strings escaped the way Go's encoding/json escapes them. The API server's JSON
 * patch compares a {@code test} op's string with the stored one as encoded JSON, byte for byte: a value holding
 * {@code <}, {@code >} or {@code &} (libpool's cloud-init markers do) written as Jackson writes it never matches
 * Go's escape (u003c after a backslash), and every guarded patch of such a VM would be refused (422) however
 * often it is retried.
 */
final class PatchText {
    private static final ObjectWriter WRITER = Json.MAPPER.writer().with(new GoEscapes());

    private PatchText() {
    }

    static String of(JsonNode patch) {
        try {
            return WRITER.writeValueAsString(patch);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** Go's escapes: lower-case hex escapes for control characters (but \b \f \n \r \t), {@code < > &}, U+2028, U+2029. */
    private static final class GoEscapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        GoEscapes() {
            for (int c = 0; c < 0x20; c++) {
                if ("\b\f\n\r\t".indexOf(c) < 0) {
                    ascii[c] = ESCAPE_CUSTOM;
                }
            }
            ascii['<'] = ESCAPE_CUSTOM;
            ascii['>'] = ESCAPE_CUSTOM;
            ascii['&'] = ESCAPE_CUSTOM;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            boolean escaped = ch < 0x80 ? ascii[ch] == ESCAPE_CUSTOM : ch == 0x2028 || ch == 0x2029;
            return escaped ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }
}
