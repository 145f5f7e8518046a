package dev.libpool.kubetest;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Installs CRDs and waits until the server serves them (condition Established). */
final class CrdInstaller {
    private static final long ESTABLISHED_TIMEOUT_SECONDS = 60;

    private final KubernetesClient client;

    CrdInstaller(KubernetesClient client) {
        this.client = client;
    }

    /** libpool's own CRDs: always applied, so the tests see this checkout's schema (server-side apply, forced). */
    void apply(List<Path> files) {
        for (Path file : files) {
            CustomResourceDefinition crd;
            try (InputStream in = Files.newInputStream(file)) {
                crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            client.resource(crd).fieldManager("libpool-tests").forceConflicts().serverSideApply();
            awaitEstablished(crd.getMetadata().getName());
        }
    }

    /** Someone else's CRDs (KubeVirt's): created where missing, never replaced on a cluster that has them. */
    List<String> createMissing(List<CustomResourceDefinition> crds) {
        List<String> created = crds.stream().filter(crd -> client.apiextensions().v1().customResourceDefinitions()
                .withName(crd.getMetadata().getName()).get() == null).map(crd -> {
                    client.resource(crd).create();
                    return crd.getMetadata().getName();
                }).toList();
        crds.forEach(crd -> awaitEstablished(crd.getMetadata().getName()));
        return created;
    }

    private void awaitEstablished(String name) {
        client.apiextensions().v1().customResourceDefinitions().withName(name).waitUntilCondition(crd -> crd != null
                && crd.getStatus() != null && crd.getStatus().getConditions() != null && crd.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True")),
                ESTABLISHED_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
