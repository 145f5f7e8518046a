package dev.libpool.node.pool;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ManifestTest {

    private final Manifest manifest = new Manifest("base", 3, List.of(
            new Manifest.Entry("/usr/lib/x86_64-linux-gnu/libc.so.6", 1926232, "ab".repeat(32), "libc.so.6"),
            new Manifest.Entry("/usr/lib/x86_64-linux-gnu/libnosoname.so", 10, "cd".repeat(32), null)));

    @Test
    void jsonIsDeterministicAndRoundTrips() throws Exception {
        String json = new String(manifest.toJson(), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\n  \"pool\" : \"base\",\n  \"generation\" : 3,\n  \"files\" : [ {")
                .contains("\"soname\" : \"libc.so.6\"").doesNotContain("null");
        assertThat(manifest.toJson()).isEqualTo(Manifest.fromJson(manifest.toJson()).toJson());
        assertThat(Manifest.fromJson(manifest.toJson())).isEqualTo(manifest);
    }

    @Test
    void tsvHasShaSizeAndGuestPathPerLine() {
        assertThat(new String(manifest.toTsv(), StandardCharsets.UTF_8)).isEqualTo(
                "ab".repeat(32) + "\t1926232\t/usr/lib/x86_64-linux-gnu/libc.so.6\n"
                        + "cd".repeat(32) + "\t10\t/usr/lib/x86_64-linux-gnu/libnosoname.so\n");
    }

    @Test
    void libraryBytesSumsTheFiles() {
        assertThat(manifest.libraryBytes()).isEqualTo(1926242);
    }

    @Test
    void buildKeyIgnoresTheGenerationButNotTheContentOrDeviceSize() {
        ImageScripts scripts = new ImageScripts("a".getBytes(), "d".getBytes(), "b".getBytes());
        Manifest laterGeneration = new Manifest("base", 4, manifest.files());
        assertThat(ImageRecord.buildKey(laterGeneration, scripts, 1 << 21)).isEqualTo(ImageRecord.buildKey(manifest, scripts, 1 << 21));
        assertThat(ImageRecord.buildKey(manifest, scripts, 2 << 21)).isNotEqualTo(ImageRecord.buildKey(manifest, scripts, 1 << 21));
        Manifest fewer = new Manifest("base", 3, manifest.files().subList(0, 1));
        assertThat(ImageRecord.buildKey(fewer, scripts, 1 << 21)).isNotEqualTo(ImageRecord.buildKey(manifest, scripts, 1 << 21));
    }
}
