package dev.libpool.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class CloudInitBootstrapTest {

    static final GuestSetup BASE = GuestSetup.of("base");
    static final GuestSetup EXTRA = new GuestSetup("extra-libs", "/srv/pools/", true);

    /** The userData of KubeVirt's own example VMI (no trailing newline). */
    static final String FEDORA_CLOUD_CONFIG = "#cloud-config\npassword: fedora\nchpasswd: { expire: False }";
    static final String COMMENTED_CLOUD_CONFIG = """
            #cloud-config
            # the user's comment stays
            users:
              - name: alice   # inline comment
                groups: [wheel]
            write_files:
              - path: /etc/motd
                content: |
                  hello
            """;
    static final String CLOUD_CONFIG_WITH_BOOTCMD = """
            #cloud-config
            bootcmd:
              - echo user-bootcmd
            runcmd: [echo hi]
            """;
    static final String SCRIPT = "#!/bin/sh\necho 'user script' > /tmp/out\n";
    static final String SCRIPT_NO_NEWLINE = "#!/bin/bash\necho no newline";
    static final String MULTIPART = """
            Content-Type: multipart/mixed; boundary="XYZ"
            MIME-Version: 1.0

            --XYZ
            Content-Type: text/x-shellscript

            #!/bin/sh
            echo part one
            --XYZ
            Content-Type: text/cloud-config

            #cloud-config
            runcmd: [echo two]
            --XYZ--
            """;
    static final String MULTIPART_CRLF = MULTIPART.replace("\n", "\r\n");

    static Stream<String> userDataShapes() {
        return Stream.of(null, "", FEDORA_CLOUD_CONFIG, COMMENTED_CLOUD_CONFIG, CLOUD_CONFIG_WITH_BOOTCMD,
                "#cloud-config\n", SCRIPT, SCRIPT_NO_NEWLINE, MULTIPART, MULTIPART_CRLF,
                "#cloud-config\nruncmd: [a]\n...\n", "#cloud-boothook\n#!/bin/sh\necho early\n");
    }

    @ParameterizedTest
    @MethodSource("userDataShapes")
    void applyIsIdempotentAndRemoveRestoresTheUserDataExactly(String userData) {
        String once = CloudInitBootstrap.apply(userData, BASE);
        assertThat(once).isNotEqualTo(userData);
        assertThat(CloudInitBootstrap.apply(once, BASE)).isEqualTo(once);
        assertThat(CloudInitBootstrap.pools(once)).containsExactly(BASE);
        assertThat(CloudInitBootstrap.remove(once, "base")).isEqualTo(userData);

        String two = CloudInitBootstrap.apply(once, EXTRA);
        assertThat(CloudInitBootstrap.pools(two)).containsExactly(BASE, EXTRA);
        assertThat(CloudInitBootstrap.apply(two, EXTRA)).isEqualTo(two);
        assertThat(CloudInitBootstrap.remove(two, "extra-libs")).isEqualTo(once);
        assertThat(CloudInitBootstrap.remove(CloudInitBootstrap.remove(two, "base"), "extra-libs")).isEqualTo(userData);
    }

    @ParameterizedTest
    @MethodSource("userDataShapes")
    void removingAPoolThatIsNotThereChangesNothing(String userData) {
        assertThat(CloudInitBootstrap.remove(userData, "base")).isEqualTo(userData);
        assertThat(CloudInitBootstrap.pools(userData)).isEmpty();
    }

    @Test
    void noUserDataBecomesACloudConfigWithTheBootcmd() {
        String userData = CloudInitBootstrap.apply(null, BASE);
        assertThat(userData).startsWith("#cloud-config\n");
        JsonNode config = BootcmdBlock.parse(userData);
        assertThat(fieldNames(config)).containsExactly("bootcmd");
        assertBootcmd(config.get("bootcmd"), 0, "--install base /run/libpool");
    }

    @Test
    void aCloudConfigKeepsEveryUserKeyAndItsTextAndGainsTheBootcmd() {
        String merged = CloudInitBootstrap.apply(COMMENTED_CLOUD_CONFIG, BASE);
        assertThat(merged).startsWith(COMMENTED_CLOUD_CONFIG);
        JsonNode config = BootcmdBlock.parse(merged);
        assertThat(fieldNames(config)).containsExactly("users", "write_files", "bootcmd");
        assertThat(config.at("/users/0/name").asText()).isEqualTo("alice");
        assertBootcmd(config.get("bootcmd"), 0, "--install base /run/libpool");

        String fedora = CloudInitBootstrap.apply(FEDORA_CLOUD_CONFIG, BASE);
        assertThat(fedora).startsWith(FEDORA_CLOUD_CONFIG + "\n");
        assertThat(fieldNames(BootcmdBlock.parse(fedora))).containsExactly("password", "chpasswd", "bootcmd");
    }

    @Test
    void aScriptBecomesMultipartWithTheScriptUnchangedFirst() {
        String multipart = CloudInitBootstrap.apply(SCRIPT, EXTRA);
        assertThat(MimeUserData.isMultipart(multipart)).isTrue();
        MimeUserData.Part first = MimeUserData.firstPart(multipart);
        assertThat(MimeUserData.body(multipart, first)).isEqualTo(SCRIPT);
        MimeUserData.Part ours = MimeUserData.managedPart(multipart).orElseThrow();
        assertThat(ours.headers()).contains("Content-Type: text/cloud-config");
        JsonNode config = BootcmdBlock.parse(MimeUserData.body(multipart, ours));
        assertThat(config.get("merge_how").toString()).contains("append");
        assertBootcmd(config.get("bootcmd"), 0,
                "--install --swiotlb-noforce extra-libs /srv/pools");
    }

    @Test
    void aCloudConfigWithItsOwnBootcmdGetsASeparatePartThatAppends() {
        String multipart = CloudInitBootstrap.apply(CLOUD_CONFIG_WITH_BOOTCMD, BASE);
        assertThat(MimeUserData.body(multipart, MimeUserData.firstPart(multipart))).isEqualTo(CLOUD_CONFIG_WITH_BOOTCMD);
        assertThat(MimeUserData.managedPart(multipart)).isPresent();
    }

    @Test
    void aMultipartGainsOurPartLastAndKeepsItsOwnParts() {
        String merged = CloudInitBootstrap.apply(MULTIPART, BASE);
        assertThat(merged).startsWith(MULTIPART.substring(0, MULTIPART.indexOf("--XYZ--")));
        assertThat(merged).endsWith("--XYZ--\n");
        MimeUserData.Part ours = MimeUserData.managedPart(merged).orElseThrow();
        assertThat(merged.substring(ours.end())).isEqualTo("--XYZ--\n");
        String crlf = CloudInitBootstrap.apply(MULTIPART_CRLF, BASE);
        assertThat(crlf).contains("\r\nX-Libpool: managed\r\n");
    }

    @Test
    void theBootcmdIsTinyAndRunsTheBootstrapTheImageShips() {
        String alone = CloudInitBootstrap.apply(null, BASE);
        JsonNode entry = BootcmdBlock.parse(alone).get("bootcmd").get(0);
        assertThat(entry.get(0).asText()).isEqualTo("sh");
        assertThat(entry.get(1).asText()).isEqualTo("-c");
        assertThat(entry.get(2).asText()).contains("cp $d/.libpool/bootstrap.sh $d.sh;umount $d;sh $d.sh \"$@\"").doesNotContain("\n");
        // KubeVirt refuses inline user data over 2048 bytes: libpool's share must leave the user most of it.
        assertThat(alone.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThan(800);
        String two = CloudInitBootstrap.apply(FEDORA_CLOUD_CONFIG, EXTRA);
        assertThat(two.length() - FEDORA_CLOUD_CONFIG.length()).isLessThan(800);
    }

    @Test
    void badInputIsRefusedWithTheFieldToFix() {
        assertThatThrownBy(() -> GuestSetup.of("Bad_Name")).hasMessageContaining("DNS label");
        assertThatThrownBy(() -> new GuestSetup("base", "relative/path", false))
                .hasMessageContaining("spec.attach.guestMountPath");
        assertThatThrownBy(() -> new GuestSetup("base", "/with space", false))
                .hasMessageContaining("spec.attach.guestMountPath");
        assertThatThrownBy(() -> CloudInitBootstrap.apply("Content-Type: text/x-shellscript\n\n#!/bin/sh\n", BASE))
                .hasMessageContaining("single-part MIME");
        assertThatThrownBy(() -> CloudInitBootstrap.apply(
                "Content-Type: multipart/mixed; boundary=\"B\"\n\n--B\n\nx\n", BASE))
                .hasMessageContaining("no closing boundary");
        String edited = CloudInitBootstrap.apply(FEDORA_CLOUD_CONFIG, BASE) + "runcmd: [later]\n";
        assertThatThrownBy(() -> CloudInitBootstrap.pools(edited)).hasMessageContaining("after the libpool block");
    }

    private static void assertBootcmd(JsonNode bootcmd, int userEntries, String... runs) {
        assertThat(bootcmd.size()).isEqualTo(userEntries + runs.length);
        for (int i = 0; i < runs.length; i++) {
            JsonNode entry = bootcmd.get(userEntries + i);
            assertThat(entry.get(2).asText()).isEqualTo(BootcmdBlock.RUNNER);
            assertThat(entry.get(3).asText()).isEqualTo(BootcmdBlock.RUNNER_NAME);
            List<String> words = Arrays.asList(runs[i].split(" "));
            assertThat(entry.size()).isEqualTo(4 + words.size());
            for (int w = 0; w < words.size(); w++) {
                assertThat(entry.get(4 + w).asText()).isEqualTo(words.get(w));
            }
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
