package dev.libpool.node;

import dev.libpool.api.v1alpha1.SharedLibraryPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoolCommandTest {

    @TempDir
    Path tmp;

    @Test
    void readsASharedLibraryPoolYaml() throws Exception {
        Path yaml = Files.writeString(tmp.resolve("pool.yaml"), """
                apiVersion: libpool.dev/v1alpha1
                kind: SharedLibraryPool
                metadata:
                  name: base
                spec:
                  source:
                    hostPath:
                      path: /var/lib/guest-root
                  include: ["usr/lib/**/*.so*"]
                  maxSize: 256Mi
                  nodeSelector: {kubernetes.io/os: linux}
                  namespaceSelector: {}
                """);
        SharedLibraryPool pool = PoolCommand.read(yaml);
        assertThat(pool.getMetadata().getName()).isEqualTo("base");
        assertThat(pool.getMetadata().getGeneration()).isEqualTo(1L);
        assertThat(pool.getSpec().getSource().getHostPath().getPath()).isEqualTo("/var/lib/guest-root");
        assertThat(pool.getSpec().getMaxSize().toString()).isEqualTo("256Mi");
        assertThat(NodeDaemon.selects(pool, Map.of("kubernetes.io/os", "linux", "x", "y"))).isTrue();
        assertThat(NodeDaemon.selects(pool, Map.of("kubernetes.io/os", "windows"))).isFalse();
    }

    @Test
    void aMissingFileSaysWhatToGive() {
        assertThatThrownBy(() -> PoolCommand.read(tmp.resolve("nope.yaml"))).hasMessageContaining("SharedLibraryPool YAML");
    }
}
