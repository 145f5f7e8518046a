package dev.libpool.kubetest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RepositoryTest {

    @Test
    void theVersionIsTheKubernetesRequirementNotAStagingReplacement() {
        String goMod = """
                require (
                \tgo.etcd.io/etcd/server/v3 v3.6.4
                \tk8s.io/kubernetes v1.34.4
                )
                replace (
                \tk8s.io/api => k8s.io/api v0.34.4
                )
                """;
        assertThat(Repository.kubeVersion(goMod)).isEqualTo("1.34.4");
        assertThatThrownBy(() -> Repository.kubeVersion("module x\n")).hasMessageContaining("k8s.io/kubernetes");
    }

    @Test
    void findsTheCommittedGoModuleAndCrds() {
        Repository repo = Repository.find();
        assertThat(repo.kubeVersion()).matches("1\\.\\d+\\.\\d+");
        assertThat(repo.libpoolCrds()).extracting(p -> p.getFileName().toString())
                .contains("sharedlibrarypools.libpool.dev-v1.yml", "nodepoolreports.libpool.dev-v1.yml");
    }

    @Test
    void missingBinariesAreNamed() {
        assertThat(LocalControlPlane.missing(java.nio.file.Path.of("/nonexistent/bin")))
                .hasValue("/nonexistent/bin/kube-apiserver is missing");
    }
}
