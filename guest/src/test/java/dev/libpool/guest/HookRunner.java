package dev.libpool.guest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Runs the onDefineDomain hook exactly as KubeVirt's sidecar-shim does: a python3 subprocess. */
final class HookRunner {

    private static Path script;

    private HookRunner() {
    }

    static Processes.Result run(String vmiJson, String domainXml) {
        return Processes.run(List.of("python3", script().toString(), "--vmi", vmiJson, "--domain", domainXml));
    }

    static synchronized Path script() {
        if (script == null) {
            try {
                script = Files.createTempFile("onDefineDomain", ".py");
                script.toFile().deleteOnExit();
                Files.writeString(script, GuestScripts.hookScript());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return script;
    }
}
