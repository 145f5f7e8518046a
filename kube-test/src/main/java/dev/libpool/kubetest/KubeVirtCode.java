package dev.libpool.kubetest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * KubeVirt's own Go code (the version testenv/kubevirt/go.mod pins), run on a VirtualMachine through kubevirt-sim,
 * the tool {@code ./libpool kubevirt} builds: virt-api's VM and VMI admission, the VMI virt-controller creates, the
 * virt-launcher pod virt-controller renders and the libvirt domain virt-launcher converts and hands to an
 * onDefineDomain hook. A test calls {@link #get()} (a JUnit assumption: it skips, naming the build command, when
 * the tool is not built from the committed sources). Feature gates are those of the KubeVirt CR; the API objects
 * KubeVirt's code reads (the instancetypes and preferences a VM names) are given with {@link #withObjects}.
 */
public final class KubeVirtCode {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KubeVirtCode instance;
    private static boolean skipSaid;

    private final Server server;
    private final String version;
    /** The KubeVirt CR's spec.configuration (null: KubeVirt's defaults); the gates are added to it. */
    private final JsonNode configuration;
    /** The cluster's objects KubeVirt's code reads, a JSON array. */
    private final ArrayNode objects;

    private KubeVirtCode(Server server, String version, JsonNode configuration, ArrayNode objects) {
        this.server = server;
        this.version = version;
        this.configuration = configuration;
        this.objects = objects;
    }

    /**
     * The same code for a KubeVirt CR whose spec.configuration is CONFIGURATION, e.g. the emulated machine types an
     * admin allows ({"architectureConfiguration":{"amd64":{"emulatedMachines":[...]}}}); the gates are added to it.
     */
    public KubeVirtCode withConfiguration(JsonNode configuration) {
        return new KubeVirtCode(server, version, configuration.deepCopy(), objects);
    }

    /**
     * The same code in a cluster that also holds OBJECTS, which KubeVirt's code reads through its client: the
     * VirtualMachine(Cluster)Instancetypes and VirtualMachine(Cluster)Preferences (instancetype.kubevirt.io/v1beta1) a
     * VM names, ControllerRevisions, ConfigMaps. Namespaced objects without a namespace are in {@code default}.
     */
    public KubeVirtCode withObjects(List<? extends JsonNode> objects) {
        ArrayNode all = this.objects.deepCopy();
        objects.forEach(o -> all.add(o.deepCopy()));
        return new KubeVirtCode(server, version, configuration, all);
    }

    /** The tool; skips the calling test, with the reason and the way out, when it is not built. */
    public static synchronized KubeVirtCode get() {
        Optional<String> reason = unavailableReason();
        Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElseThrow());
        if (instance == null) {
            String version = Repository.find().kubevirtVersion();
            instance = new KubeVirtCode(new Server(KubeVirtTool.binDir(version).resolve(KubeVirtTool.BINARY)), version, null,
                    JSON.createArrayNode());
        }
        return instance;
    }

    /** Why KubeVirt's code cannot be run here and how to fix it, if it cannot (said on the console once). */
    public static synchronized Optional<String> unavailableReason() {
        Repository repo = Repository.find();
        String version = repo.kubevirtVersion();
        Optional<String> reason = KubeVirtTool.unusable(KubeVirtTool.binDir(version), repo.kubevirtModule())
                .map(why -> "KubeVirt v" + version + "'s own code is not at hand: " + why + ". Run "
                        + KubeVirtTool.BUILD_COMMAND + " (needs Go >= 1.26 and the Go module proxy; ./libpool test does it).");
        if (reason.isPresent() && !skipSaid) {
            System.out.println("KubeVirtCode: skipping the tests that run KubeVirt's code: " + reason.get());
            skipSaid = true;
        }
        return reason;
    }

    /** The KubeVirt version whose code this runs, e.g. 1.9.0. */
    public String version() {
        return version;
    }

    /** A cause KubeVirt's admission gives: its type, the field path (e.g. spec.template.spec.volumes[2]) and message. */
    public record Cause(String type, String field, String message) {
        @Override
        public String toString() {
            return field + ": " + message;
        }
    }

    /** An admission webhook's answer. */
    public record Admission(boolean allowed, String message, List<Cause> causes, List<String> warnings) {
    }

    /** What virt-launcher hands an onDefineDomain hook: the domain XML and the VMI's JSON. */
    public record Domain(String xml, JsonNode vmi) {
    }

    /** virt-api's validating webhook for VirtualMachines, as on a CREATE of VM. */
    public Admission admitVm(JsonNode vm, Collection<String> gates) {
        return admission(run("admit-vm", vm, gates, null, null, false));
    }

    /** virt-api's VMI create webhook on the VMI virt-controller creates from VM (or on VM, if it is a VMI). */
    public Admission admitVmi(JsonNode vm, Collection<String> gates) {
        return admission(run("admit-vmi", vm, gates, null, null, false));
    }

    /**
     * Fails, naming every cause KubeVirt gives, unless KubeVirt admits VM with GATES on: virt-api's VM admission
     * and the VMI admission of the VMI virt-controller would create from it.
     */
    public void assertAdmitted(JsonNode vm, Collection<String> gates) {
        for (String stage : List.of("VM", "VMI")) {
            Admission a = stage.equals("VM") ? admitVm(vm, gates) : admitVmi(vm, gates);
            if (!a.allowed()) {
                throw new AssertionError("KubeVirt v" + version + " refuses the " + stage + " " + name(vm) + " with gates "
                        + gates + ": " + (a.causes().isEmpty() ? a.message() : a.causes()));
            }
        }
    }

    /** The VMI virt-controller creates from VM, as virt-api's VMI mutator stores it (defaults applied). */
    public JsonNode vmi(JsonNode vm, Collection<String> gates) {
        return run("vmi", vm, gates, null, null, false);
    }

    /**
     * The virt-launcher pod virt-controller renders for VM's VMI. CONFIG_MAPS are those the hook sidecars name
     * (virt-controller reads them); SIDECAR_SHIM_IMAGE the image KubeVirt's install gives sidecars with no image.
     */
    public Pod launcherPod(JsonNode vm, Collection<String> gates, List<ConfigMap> configMaps, String sidecarShimImage) {
        JsonNode pod = run("render-pod", vm, gates, JSON.valueToTree(configMaps), sidecarShimImage, false);
        try {
            return JSON.treeToValue(pod, Pod.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * virt-launcher's libvirt domain for VM's VMI, as its onDefineDomain hooks receive it; on a node without KVM that
     * allows emulation (TCG, as the lab's guests run) unless KVM.
     */
    public Domain domain(JsonNode vm, Collection<String> gates, boolean kvm) {
        JsonNode out = run("convert", vm, gates, null, null, kvm);
        return new Domain(out.get("domainXml").asText(), out.get("vmi"));
    }

    private static Admission admission(JsonNode out) {
        List<Cause> causes = new ArrayList<>();
        out.path("causes").forEach(c -> causes.add(new Cause(c.path("type").asText(), c.path("field").asText(),
                c.path("message").asText())));
        List<String> warnings = new ArrayList<>();
        out.path("warnings").forEach(w -> warnings.add(w.asText()));
        return new Admission(out.path("allowed").asBoolean(), out.path("message").asText(), List.copyOf(causes),
                List.copyOf(warnings));
    }

    private static String name(JsonNode vm) {
        return vm.path("metadata").path("namespace").asText("default") + "/" + vm.path("metadata").path("name").asText();
    }

    private JsonNode run(String command, JsonNode object, Collection<String> gates, JsonNode configMaps,
                         String sidecarShimImage, boolean kvm) {
        ObjectNode request = JSON.createObjectNode().put("command", command);
        request.set("gates", JSON.valueToTree(List.copyOf(gates)));
        if (configuration != null) {
            request.set("config", configuration);
        }
        request.set("object", object);
        request.set("objects", objects);
        if (configMaps != null) {
            request.set("configMaps", configMaps);
        }
        if (sidecarShimImage != null) {
            request.put("sidecarShimImage", sidecarShimImage);
        }
        request.put("kvm", kvm);
        JsonNode answer = server.answer(request);
        int exit = answer.path("exit").asInt();
        if (exit > 1) {
            throw new IllegalStateException("KubeVirt's code failed on " + command + " of " + name(object) + " (exit "
                    + exit + "): " + answer.path("output").path("error").asText(answer.path("output").toString()));
        }
        return answer.get("output");
    }

    /**
     * kubevirt-sim's serve process, started once per JVM (KubeVirt's package initialisation alone costs seconds of
     * CPU): one JSON request line in, one answer line out.
     */
    private static final class Server {
        private final Path binary;
        private Process process;
        private BufferedWriter requests;
        private BufferedReader answers;

        Server(Path binary) {
            this.binary = binary;
        }

        synchronized JsonNode answer(ObjectNode request) {
            try {
                if (process == null || !process.isAlive()) {
                    process = new ProcessBuilder(binary.toString(), "serve").redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
                    answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    Process started = process;
                    Runtime.getRuntime().addShutdownHook(new Thread(started::destroy, "kubevirt-sim-stop"));
                }
                requests.write(JSON.writeValueAsString(request));
                requests.newLine();
                requests.flush();
                String line = answers.readLine();
                if (line == null) {
                    throw new IllegalStateException(binary + " serve ended without answering " + request.path("command"));
                }
                return JSON.readTree(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
