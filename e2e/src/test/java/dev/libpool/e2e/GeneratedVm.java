package dev.libpool.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A VirtualMachine a cluster admin's users could write, opted into a pool, generated from a seed (replayable):
 * q35 or i440fx (pc-i440fx-7.2: a machine type this host's QEMU starts, so that KubeVirtConvertedStartE2E can), a containerDisk root, 0-16 more disks on virtio, SATA or SCSI, cloud-init as NoCloud or ConfigDrive
 * with plain or base64 user data or none at all, sometimes a hook sidecar of the user's own, and one of several
 * pool names; attached with libpool's cloud-init setup or without. A third of them take their CPUs and memory
 * from an instancetype (cluster-wide or the namespace's) and their machine type and root disk bus from a cluster
 * preference: {@link #objects} are those, to be given to KubeVirt's code with the VM.
 */
record GeneratedVm(long seed, ObjectNode vm, String pool, String machine, String cloudInit, int extraDisks,
                   boolean userHook, boolean cloudInitSetup, String instancetype, List<JsonNode> objects) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> POOLS = List.of("base", "py311", "jdk-21", "runtime");
    private static final List<String> CLOUD_INIT = List.of("none", "noCloud", "noCloudBase64", "configDrive",
            "configDriveBase64");
    private static final List<String> BUSES = List.of("virtio", "sata", "scsi");
    private static final List<String> INSTANCETYPES = List.of("none", "none", "none", "none",
            "VirtualMachineClusterInstancetype", "VirtualMachineInstancetype");
    private static final String INSTANCETYPE_API = "instancetype.kubevirt.io/v1beta1";
    /** The KubeVirt configuration that allows i440fx machine types (KubeVirt v1.9's default allows q35 only). */
    static final JsonNode ALLOW_I440FX = JSON.createObjectNode().set("architectureConfiguration", JSON.createObjectNode()
            .set("amd64", JSON.createObjectNode().set("emulatedMachines",
                    JSON.createArrayNode().add("q35*").add("pc-q35*").add("pc-i440fx*"))));

    static GeneratedVm generate(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String pool = POOLS.get(r.nextInt(POOLS.size()));
        String machine = r.nextInt(3) == 0 ? "pc-i440fx-7.2" : "q35";
        String cloudInit = CLOUD_INIT.get(r.nextInt(CLOUD_INIT.size()));
        List<String> buses = r.ints(r.nextInt(17), 0, BUSES.size()).mapToObj(BUSES::get).toList();
        boolean userHook = r.nextInt(3) == 0;
        boolean cloudInitSetup = r.nextInt(4) != 0;
        // Drawn last, so that the seeds of the VMs without one stay the VMs they were.
        String instancetype = INSTANCETYPES.get(r.nextInt(INSTANCETYPES.size()));
        return build(seed, pool, machine, cloudInit, buses, userHook, cloudInitSetup, instancetype);
    }

    /** A q35 VM with DISKS more virtio disks and NoCloud user data: more devices than q35's root bus has slots. */
    static GeneratedVm manyVirtioDisks(long seed, int disks) {
        return build(seed, "base", "q35", "noCloud", java.util.Collections.nCopies(disks, "virtio"), false, true, "none");
    }

    private static GeneratedVm build(long seed, String pool, String machine, String cloudInit, List<String> buses,
                                     boolean userHook, boolean cloudInitSetup, String instancetype) {
        int extraDisks = buses.size();
        ObjectNode vm = JSON.createObjectNode().put("apiVersion", "kubevirt.io/v1").put("kind", "VirtualMachine");
        ObjectNode metadata = vm.putObject("metadata").put("name", "gen-" + seed).put("namespace", "tenant")
                .put("resourceVersion", "7");
        metadata.putObject("labels").put(VmContract.POOL_LABEL, pool);
        ObjectNode vmSpec = vm.putObject("spec").put("runStrategy", "Always");
        List<JsonNode> objects = instancetype.equals("none") ? List.of() : instancetypeAndPreference(vmSpec, instancetype, machine);
        ObjectNode template = vmSpec.putObject("template");
        if (userHook) {
            template.putObject("metadata").putObject("annotations").put(VmContract.HOOK_SIDECARS_ANNOTATION,
                    "[{\"image\":\"registry.example/tenant/hook:1\",\"args\":[\"--version\",\"v1alpha2\"]}]");
        }
        ObjectNode spec = template.putObject("spec");
        ObjectNode domain = spec.putObject("domain");
        ArrayNode disks = domain.putObject("devices").putArray("disks");
        if (objects.isEmpty()) {
            domain.putObject("machine").put("type", machine);
            domain.putObject("memory").put("guest", "256Mi");
            domain.putObject("resources");
            disks.addObject().put("name", "root").putObject("disk").put("bus", "virtio");
        } else {
            disks.addObject().put("name", "root").putObject("disk"); // the preference's bus
        }
        ArrayNode volumes = spec.putArray("volumes");
        volumes.addObject().put("name", "root").putObject("containerDisk").put("image", "quay.io/containerdisks/debian:12");
        for (int i = 0; i < extraDisks; i++) {
            disks.addObject().put("name", "data" + i).putObject("disk").put("bus", buses.get(i));
            volumes.addObject().put("name", "data" + i).putObject("emptyDisk").put("capacity", "1Gi");
        }
        String userData = "#cloud-config\nruncmd: [\"echo seed " + seed + "\"]\n";
        if (!cloudInit.equals("none")) {
            disks.addObject().put("name", "cloudinit").putObject("disk").put("bus", "virtio");
            ObjectNode source = volumes.addObject().put("name", "cloudinit")
                    .putObject(cloudInit.startsWith("noCloud") ? "cloudInitNoCloud" : "cloudInitConfigDrive");
            if (cloudInit.endsWith("Base64")) {
                source.put("userDataBase64", Base64.getEncoder().encodeToString(userData.getBytes(StandardCharsets.UTF_8)));
            } else {
                source.put("userData", userData);
            }
        }
        return new GeneratedVm(seed, vm, pool, machine, cloudInit, extraDisks, userHook, cloudInitSetup, instancetype,
                objects);
    }

    /**
     * Names in VM_SPEC an instancetype of KIND (2 CPUs, 256Mi) and a cluster preference for MACHINE and virtio
     * disks; returns both objects.
     */
    private static List<JsonNode> instancetypeAndPreference(ObjectNode vmSpec, String kind, String machine) {
        String name = "gen-c2-256mi";
        String preference = "gen-" + machine;
        vmSpec.putObject("instancetype").put("kind", kind).put("name", name);
        vmSpec.putObject("preference").put("kind", "VirtualMachineClusterPreference").put("name", preference);
        ObjectNode type = JSON.createObjectNode().put("apiVersion", INSTANCETYPE_API).put("kind", kind);
        ObjectNode typeMetadata = type.putObject("metadata").put("name", name);
        if (!kind.contains("Cluster")) {
            typeMetadata.put("namespace", "tenant");
        }
        ObjectNode typeSpec = type.putObject("spec");
        typeSpec.putObject("cpu").put("guest", 2);
        typeSpec.putObject("memory").put("guest", "256Mi");
        ObjectNode pref = JSON.createObjectNode().put("apiVersion", INSTANCETYPE_API).put("kind", "VirtualMachineClusterPreference");
        pref.putObject("metadata").put("name", preference);
        ObjectNode prefSpec = pref.putObject("spec");
        prefSpec.putObject("devices").put("preferredDiskBus", "virtio");
        prefSpec.putObject("machine").put("preferredMachineType", machine);
        return List.of(type, pref);
    }

    @Override
    public String toString() {
        return "pool " + pool + ", " + machine + ", cloud-init " + cloudInit + ", " + extraDisks + " more disks"
                + (userHook ? ", a user hook" : "") + ", guestSetup " + (cloudInitSetup ? "CloudInit" : "None")
                + (objects.isEmpty() ? "" : ", a " + instancetype + " and a preference");
    }
}
