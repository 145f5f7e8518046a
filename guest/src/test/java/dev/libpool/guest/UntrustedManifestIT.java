package dev.libpool.guest;

import static dev.libpool.guest.AttachDetachIT.assertRefused;
import static dev.libpool.guest.AttachDetachIT.assertSkipped;
import static dev.libpool.guest.AttachDetachIT.mountPool;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * attach.sh treats the manifest as untrusted: a real EROFS image whose manifest names paths outside the
 * library directories, with {@code ..}, with characters the formats cannot carry, through a guest symlink
 * that leads out of the library directories, over a FIFO, or through a link inside the image. Every such
 * entry is skipped with its reason and nothing is mounted over it, while a good entry next to them attaches.
 */
class UntrustedManifestIT {

    private static final String LIB = "/usr/lib/x86_64-linux-gnu/";

    @BeforeAll
    static void needsRootAndTools() {
        AttachDetachIT.needsRootAndTools();
    }

    @ParameterizedTest
    @MethodSource("dev.libpool.guest.AttachDetachIT#shells")
    void skipsEveryEntryThatCouldMountOverSomethingElse(String shell, @TempDir Path dir) {
        GuestTree tree = new GuestTree(dir);
        tree.guestFile(LIB + "liba.so.1", tree.poolFile(LIB + "liba.so.1", 8192));
        // Identical content everywhere, so only the path rules can keep these out.
        byte[] secret = tree.poolFile("/etc/libsecret.so", 4096);
        tree.guestFile("/etc/libsecret.so", secret);
        tree.manifestEntry(secret, "/usr/lib/../../etc/libsecret.so");
        tree.manifestEntry(secret, "/usr/lib/./x86_64-linux-gnu/../../../etc/libsecret.so");
        tree.guestFile(LIB + "lib sp ace.so", tree.poolFile(LIB + "lib sp ace.so", 4096));
        tree.guestFile(LIB + "lib\\back.so", tree.poolFile(LIB + "lib\\back.so", 4096));
        tree.manifestEntry(secret, LIB + "libé.so");
        // A guest link inside a library directory that leads to /etc.
        tree.guestSymlink(LIB + "plugins", "../../../etc");
        tree.manifestEntry(secret, LIB + "plugins/libsecret.so");
        // A FIFO where the manifest expects a library.
        tree.poolFile(LIB + "libfifo.so", 4096);
        // A directory link inside the image: the bind source would be the guest's own decoy of the same size.
        byte[] decoy = "decoy---".repeat(512).getBytes(StandardCharsets.US_ASCII);
        tree.guestFile(LIB + "sub/libdecoy.so", decoy);
        tree.guestFile("/opt/decoy/libdecoy.so", new byte[4096]);
        tree.poolSymlink(LIB + "sub", tree.root + "/opt/decoy");
        tree.manifestEntry(decoy, LIB + "sub/libdecoy.so");

        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        AttachDetachIT.Pool pool = mountPool(dir, tree, scenario, shell);
        scenario.setup("mkfifo " + tree.root + LIB + "libfifo.so")
                .step("attach", pool.attach())
                .run();

        assertThat(scenario.rc("attach")).as(scenario.stderr("attach")).isZero();
        assertThat(scenario.mountPoints("attach")).as("only the good entry is mounted")
                .containsExactly(tree.root + LIB + "liba.so.1");
        JsonNode report = scenario.report("attach");
        assertThat(report.get("manifestEntries").asInt()).isEqualTo(10);
        assertSkipped(report, "outside-library-dirs", 1, "/etc/libsecret.so");
        assertSkipped(report, "unsafe-name", 5, "/usr/lib/../../etc/libsecret.so");
        assertThat(report.at("/skipped/unsafe-name/examples").toString())
                .contains("lib sp ace.so").contains("lib\\\\back.so").contains("libé.so");
        assertSkipped(report, "symlink-escape", 1, LIB + "plugins/libsecret.so");
        assertSkipped(report, "not-regular", 1, LIB + "libfifo.so");
        assertSkipped(report, "pool-mismatch", 1, LIB + "sub/libdecoy.so");
        assertThat(scenario.stdout("attach")).contains("unsafe-name 5").contains("symlink-escape 1");
    }

    static Stream<Arguments> breakers() {
        return AttachDetachIT.shells().flatMap(shell -> Stream.of(
                Arguments.of(shell, "lib new\nline.so", "line 2"), Arguments.of(shell, "lib\ttab.so", "line 1")));
    }

    /** A name that splits its line (newline) or its fields (tab) makes the manifest corrupt: nothing is mounted. */
    @ParameterizedTest
    @MethodSource("breakers")
    void aNameThatBreaksTheFormatRefusesTheWholeManifest(String shell, String name, String line, @TempDir Path dir) {
        GuestTree tree = new GuestTree(dir);
        tree.guestFile(LIB + name, tree.poolFile(LIB + name, 4096));
        tree.guestFile(LIB + "liba.so.1", tree.poolFile(LIB + "liba.so.1", 8192));
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        AttachDetachIT.Pool pool = mountPool(dir, tree, scenario, shell);
        scenario.step("attach", pool.attach()).run();
        assertRefused(scenario, "attach", "is corrupt (" + line + ")");
    }
}
