package dev.libpool.e2e.bench;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Fabric8 mock API server in CRUD mode with libpool's CRDs and KubeVirt's API group, and a kubeconfig for it
 * ({@code --mock}): no validation, no admission, its own speed; it counts the requests it recorded.
 */
final class MockApi implements BenchApi {
    /** Held, so that its level sticks: the mock server logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private final KubernetesMockServer server;
    private final KubernetesClient client;
    private final Path kubeconfig;

    private MockApi(KubernetesMockServer server, KubernetesClient client, Path kubeconfig) {
        this.server = server;
        this.client = client;
        this.kubeconfig = kubeconfig;
    }

    static MockApi start(Path root) throws IOException {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        List<CustomResourceDefinition> crds = new ArrayList<>();
        List<CustomResourceDefinitionContext> kinds = new ArrayList<>(List.of(
                kubevirt("virtualmachines", "VirtualMachine"),
                kubevirt("virtualmachineinstances", "VirtualMachineInstance"),
                kubevirt("kubevirts", "KubeVirt")));
        for (String crd : List.of("sharedlibrarypools.libpool.dev-v1.yml", "nodepoolreports.libpool.dev-v1.yml")) {
            try (InputStream in = Files.newInputStream(root.resolve("crds").resolve(crd))) {
                crds.add(Serialization.unmarshal(in, CustomResourceDefinition.class));
                kinds.add(CustomResourceDefinitionContext.fromCrd(crds.get(crds.size() - 1)));
            }
        }
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(kinds), false);
        server.init();
        Config config = new io.fabric8.kubernetes.client.ConfigBuilder().withMasterUrl(server.url("/"))
                .withNamespace("default").withUserAgent(BENCH_AGENT).build();
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        // The operator checks at start that its CRDs are installed, as on a real cluster.
        crds.forEach(crd -> client.apiextensions().v1().customResourceDefinitions().resource(crd).create());
        Path kubeconfig = Files.createTempFile("libpool-bench-kubeconfig", ".yaml");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s"}}]
                users: [{name: bench, user: {token: bench}}]
                contexts: [{name: mock, context: {cluster: mock, user: bench, namespace: default}}]
                current-context: mock
                """.formatted(server.url("/")));
        return new MockApi(server, client, kubeconfig);
    }

    private static CustomResourceDefinitionContext kubevirt(String plural, String kind) {
        return new CustomResourceDefinitionContext.Builder().withGroup("kubevirt.io").withVersion("v1")
                .withPlural(plural).withKind(kind).withScope("Namespaced").build();
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public String kubeconfig() {
        return kubeconfig.toString();
    }

    @Override
    public String label() {
        return "Fabric8 mock server (CRUD mode, --mock; leader election off)";
    }

    @Override
    public boolean servesLeaderElection() {
        return false;
    }

    /** The writes among every request recorded since the last call. */
    @Override
    public Optional<List<String>> operatorWrites() throws InterruptedException {
        List<String> writes = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            if (!r.getMethod().equals("GET") && !BENCH_AGENT.equals(r.getHeader("User-Agent"))) {
                writes.add(resource(r.getPath()) + " " + r.getMethod() + " " + r.getPath());
            }
        }
        return Optional.of(writes);
    }

    /** The resource of a request path: /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUB]][?...]. */
    static String resource(String path) {
        String[] parts = path.replaceFirst("\\?.*", "").split("/");
        int start = parts[1].equals("api") ? 3 : 4;
        if (parts.length > start + 1 && parts[start].equals("namespaces") && parts.length > start + 2) {
            start += 2;
        }
        return parts.length > start ? parts[start] : "";
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
        kubeconfig.toFile().delete();
    }
}
