package dev.libpool.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.authentication.SelfSubjectReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The test cluster itself: its CRDs, its validation, RBAC, and the service account impersonation helper. */
class TestClusterIT {
    private static final Path EXAMPLES = Path.of("src/main/resources/kubevirt/vm-examples");
    private static final ResourceDefinitionContext VMS = context("VirtualMachine", "virtualmachines");
    private static final ResourceDefinitionContext REPORTS = new ResourceDefinitionContext.Builder()
            .withGroup("libpool.dev").withVersion("v1alpha1").withKind("NodePoolReport").withPlural("nodepoolreports")
            .withNamespaced(false).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestCluster cluster;
    private static String namespace;

    @BeforeAll
    static void connect() {
        cluster = TestCluster.get();
        System.out.println("TestClusterIT: " + cluster.description());
        namespace = cluster.createNamespace("kube-test");
    }

    @AfterAll
    static void cleanUp() {
        if (namespace != null) {
            cluster.client().namespaces().withName(namespace).delete();
        }
    }

    @Test
    void servesTheLibpoolAndKubevirtKinds() {
        assertThat(cluster.client().genericKubernetesResources(REPORTS).list().getItems()).isNotNull();
        assertThat(cluster.client().genericKubernetesResources(VMS).inNamespace(namespace).list().getItems()).isEmpty();
        assertThat(cluster.client().apiextensions().v1().customResourceDefinitions().withName("kubevirts.kubevirt.io")
                .get()).isNotNull();
    }

    static Stream<Path> kubevirtExamples() throws IOException {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    /** KubeVirt's own examples pass the generated CRDs, and no field of theirs is pruned away. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("kubevirtExamples")
    void kubevirtExampleIsAcceptedAsWritten(Path example) throws IOException {
        Assumptions.assumeTrue(cluster.isLocal(), "a real cluster's KubeVirt webhooks default and judge these "
                + "examples; this checks the CRDs generated for the local server");
        List<GenericKubernetesResource> objects;
        try (InputStream in = Files.newInputStream(example)) {
            objects = cluster.client().load(in).items().stream().map(GenericKubernetesResource.class::cast).toList();
        }
        assertThat(objects).isNotEmpty();
        for (GenericKubernetesResource object : objects) {
            String plural = object.getKind().equals("VirtualMachine") ? "virtualmachines" : "virtualmachineinstances";
            GenericKubernetesResource accepted = cluster.client().genericKubernetesResources(context(object.getKind(), plural))
                    .inNamespace(namespace).resource(object).dryRun().create();
            JsonNode sent = JSON.valueToTree(object.getAdditionalProperties().get("spec"));
            assertThat(sent.isObject()).as("%s has a spec", example).isTrue();
            assertThat(JSON.valueToTree(accepted.getAdditionalProperties().get("spec")).equals(sent))
                    .as("%s comes back as sent: %s", object.getMetadata().getName(), sent).isTrue();
        }
    }

    @Test
    void aFieldKubevirtDoesNotKnowIsPruned() {
        GenericKubernetesResource vm = vm("pruned", Map.of("runStrategy", "Halted", "template", Map.of("spec",
                Map.of("domain", Map.of("devices", Map.of(), "madeUp", "x")))));
        GenericKubernetesResource stored = cluster.client().genericKubernetesResources(VMS).inNamespace(namespace)
                .resource(vm).dryRun().create();
        assertThat(JSON.valueToTree(stored.getAdditionalProperties().get("spec")).at("/template/spec/domain"))
                .isEqualTo(JSON.valueToTree(Map.of("devices", Map.of())));
    }

    @Test
    void aVirtualMachineWithoutTemplateIsRejectedByTheSchema() {
        GenericKubernetesResource vm = vm("no-template", Map.of("runStrategy", "Halted"));
        assertThatThrownBy(() -> cluster.client().genericKubernetesResources(VMS).inNamespace(namespace)
                .resource(vm).dryRun().create())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("spec.template: Required value");
                });
    }

    @Test
    void anImpersonatedServiceAccountCarriesItsGroupsAndNodeName() {
        try (KubernetesClient daemon = cluster.asServiceAccount("libpool-system", "libpool-node-daemon", "worker-7")) {
            UserInfo user = daemon.resource(new SelfSubjectReviewBuilder().build()).create().getStatus().getUserInfo();
            assertThat(user.getUsername()).isEqualTo("system:serviceaccount:libpool-system:libpool-node-daemon");
            assertThat(user.getGroups()).contains("system:serviceaccounts", "system:serviceaccounts:libpool-system",
                    "system:authenticated");
            assertThat(user.getExtra()).containsEntry(TestCluster.NODE_NAME_EXTRA, List.of("worker-7"));
        }
    }

    @Test
    void rbacGovernsWhatAServiceAccountMayDo() {
        String name = "kube-test-" + Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        try (KubernetesClient account = cluster.asServiceAccount(namespace, name, "worker-1")) {
            assertThatThrownBy(() -> account.genericKubernetesResources(REPORTS).list())
                    .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));

            cluster.client().resource(new ClusterRoleBuilder().withNewMetadata().withName(name).endMetadata()
                    .addNewRule().withApiGroups("libpool.dev").withResources("nodepoolreports").withVerbs("list").endRule()
                    .build()).create();
            cluster.client().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName(name).endMetadata()
                    .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", name)
                    .addNewSubject().withKind("ServiceAccount").withNamespace(namespace).withName(name).endSubject()
                    .build()).create();
            try {
                // the RBAC authorizer learns of the binding through its informer, a moment later
                await().atMost(Duration.ofSeconds(20)).ignoreExceptionsMatching(e -> e instanceof KubernetesClientException k
                        && k.getCode() == 403).untilAsserted(() -> account.genericKubernetesResources(REPORTS).list());
            } finally {
                cluster.client().rbac().clusterRoleBindings().withName(name).delete();
                cluster.client().rbac().clusterRoles().withName(name).delete();
            }
        }
    }

    private static GenericKubernetesResource vm(String name, Map<String, Object> spec) {
        GenericKubernetesResource vm = new GenericKubernetesResource();
        vm.setApiVersion("kubevirt.io/v1");
        vm.setKind("VirtualMachine");
        vm.setMetadata(new ObjectMetaBuilder().withName(name).build());
        vm.setAdditionalProperty("spec", spec);
        return vm;
    }

    private static ResourceDefinitionContext context(String kind, String plural) {
        return new ResourceDefinitionContext.Builder().withGroup(KubevirtCrds.GROUP).withVersion(KubevirtCrds.VERSION)
                .withKind(kind).withPlural(plural).withNamespaced(true).build();
    }
}
