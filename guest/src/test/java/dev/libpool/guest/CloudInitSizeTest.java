package dev.libpool.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.libpool.api.v1alpha1.VmContract;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Issue 19, defect 8: what libpool's cloud-init addition costs of KubeVirt's 2048-byte inline user data, measured
 * with the code the operator runs ({@link CloudInitBootstrap#apply}) for one pool named {@code base} at the default
 * mount path, and the figures docs/guest.md and docs/operator.md quote: a change to the bootcmd that changes the
 * size fails here until the docs say the new number.
 */
class CloudInitSizeTest {

    private static final String USER_CLOUD_CONFIG = "#cloud-config\nhostname: vm\n";
    private static final String USER_SCRIPT = "#!/bin/sh\necho hi\n";

    @Test
    void theDocsQuoteTheMeasuredSizes() throws IOException {
        GuestSetup base = GuestSetup.of("base");
        int appended = bytes(CloudInitBootstrap.apply(USER_CLOUD_CONFIG, base)) - bytes(USER_CLOUD_CONFIG);
        int alone = bytes(CloudInitBootstrap.apply("", base));
        int multipart = bytes(CloudInitBootstrap.apply(USER_SCRIPT, base)) - bytes(USER_SCRIPT);
        int perNameCharacter = bytes(CloudInitBootstrap.apply(USER_CLOUD_CONFIG, GuestSetup.of("basex")))
                - bytes(USER_CLOUD_CONFIG) - appended;
        int limit = VmContract.INLINE_USER_DATA_LIMIT;
        System.out.printf("CloudInitSizeTest: appended %d (user keeps %d), alone %d, multipart %d (user keeps %d), "
                + "%d byte per pool-name character%n", appended, limit - appended, alone, multipart, limit - multipart,
                perNameCharacter);

        String guest = docs("guest.md");
        assertThat(guest).contains("appended to a `#cloud-config` without `bootcmd`: " + appended + " bytes (the user keeps "
                + (limit - appended) + " of KubeVirt's " + limit + ")");
        assertThat(guest).contains("the whole user data of the volume libpool adds: " + alone + " bytes");
        assertThat(guest).contains("MIME multipart around the user's data: " + multipart + " bytes (the user keeps "
                + (limit - multipart) + ")");
        assertThat(guest).contains(perNameCharacter + " byte more per character of the pool name");
        assertThat(docs("operator.md")).contains("libpool's part is " + appended + " bytes for a pool named `base` ("
                + (limit - appended) + " of the " + limit + " stay the user's; " + multipart + " bytes when");
    }

    private static int bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String docs(String name) throws IOException {
        return Files.readString(Path.of("..", "docs", name)).replaceAll("\\s*\\n\\s*", " ");
    }
}
