package dev.libpool.kubetest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class KubeVirtToolTest {

    @Test
    void theVersionIsKubeVirtsRequirementInBlockOrLineForm() {
        assertThat(Repository.kubevirtVersion("require (\n\tk8s.io/api v0.34.3\n\tkubevirt.io/kubevirt v1.9.0\n)\n"))
                .isEqualTo("1.9.0");
        assertThat(Repository.kubevirtVersion("require kubevirt.io/kubevirt v1.8.2\n")).isEqualTo("1.8.2");
        assertThat(Repository.find().kubevirtVersion()).matches("1\\.\\d+\\.\\d+");
    }

    @Test
    void theStampIsBuildShsSoAToolBuiltFromOtherSourcesIsNotUsed(@TempDir Path bin) throws Exception {
        Path module = Repository.find().kubevirtModule();
        String stamp = KubeVirtTool.stamp(module);
        assertThat(stamp).isEqualTo(shellStamp(module));

        assertThat(KubeVirtTool.unusable(bin, module)).hasValue(bin.resolve("kubevirt-sim") + " is missing");
        Path binary = Files.writeString(bin.resolve("kubevirt-sim"), "#!/bin/sh\n");
        binary.toFile().setExecutable(true);
        Files.writeString(bin.resolve(".stamp"), "0000\n");
        assertThat(KubeVirtTool.unusable(bin, module)).get().asString().contains("built from other sources");
        Files.writeString(bin.resolve(".stamp"), stamp + "\n");
        assertThat(KubeVirtTool.unusable(bin, module)).isEmpty();
    }

    /** build.sh's own stamp pipeline, run by the shell. */
    private static String shellStamp(Path module) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", "find go.mod go.sum build.sh cmd third_party -type f | LC_ALL=C sort"
                + " | xargs cat | sha256sum | cut -d' ' -f1").directory(module.toFile()).start();
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS), "the stamp pipeline did not finish");
        return new String(p.getInputStream().readAllBytes()).strip();
    }
}
