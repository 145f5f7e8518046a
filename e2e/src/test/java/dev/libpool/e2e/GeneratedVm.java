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
 * q35 or i440fx, a containerDisk root, 0-16 more disks on virtio, SATA or SCSI, cloud-init as NoCloud or ConfigDrive
 * with plain or base64 user data or none at all, sometimes a hook sidecar of the user's own, and one of several
 * pool names; attached with libpool's cloud-init setup or without.
 */
record GeneratedVm(long seed, ObjectNode vm, String pool, String machine, String cloudInit, int extraDisks,
                   boolean userHook, boolean cloudInitSetup) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> POOLS = List.of("base", "py311", "jdk-21", "runtime");
    private static final List<String> CLOUD_INIT = List.of("none", "noCloud", "noCloudBase64", "configDrive",
            "configDriveBase64");
    private static final List<String> BUSES = List.of("virtio", "sata", "scsi");
    /** The KubeVirt configuration that allows i440fx machine types (KubeVirt v1.9's default allows q35 only). */
    static final JsonNode ALLOW_I440FX = JSON.createObjectNode().set("architectureConfiguration", JSON.createObjectNode()
            .set("amd64", JSON.createObjectNode().set("emulatedMachines",
                    JSON.createArrayNode().add("q35*").add("pc-q35*").add("pc-i440fx*"))));

    static GeneratedVm generate(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String pool = POOLS.get(r.nextInt(POOLS.size()));
        String machine = r.nextInt(3) == 0 ? "pc-i440fx-rhel7.6.0" : "q35";
        String cloudInit = CLOUD_INIT.get(r.nextInt(CLOUD_INIT.size()));
        List<String> buses = r.ints(r.nextInt(17), 0, BUSES.size()).mapToObj(BUSES::get).toList();
        boolean userHook = r.nextInt(3) == 0;
        boolean cloudInitSetup = r.nextInt(4) != 0;
        return build(seed, pool, machine, cloudInit, buses, userHook, cloudInitSetup);
    }

    /** A q35 VM with DISKS more virtio disks and NoCloud user data: more devices than q35's root bus has slots. */
    static GeneratedVm manyVirtioDisks(long seed, int disks) {
        return build(seed, "base", "q35", "noCloud", java.util.Collections.nCopies(disks, "virtio"), false, true);
    }

    private static GeneratedVm build(long seed, String pool, String machine, String cloudInit, List<String> buses,
                                     boolean userHook, boolean cloudInitSetup) {
        int extraDisks = buses.size();
        ObjectNode vm = JSON.createObjectNode().put("apiVersion", "kubevirt.io/v1").put("kind", "VirtualMachine");
        ObjectNode metadata = vm.putObject("metadata").put("name", "gen-" + seed).put("namespace", "tenant")
                .put("resourceVersion", "7");
        metadata.putObject("labels").put(VmContract.POOL_LABEL, pool);
        ObjectNode template = vm.putObject("spec").put("runStrategy", "Always").putObject("template");
        if (userHook) {
            template.putObject("metadata").putObject("annotations").put(VmContract.HOOK_SIDECARS_ANNOTATION,
                    "[{\"image\":\"registry.example/tenant/hook:1\",\"args\":[\"--version\",\"v1alpha2\"]}]");
        }
        ObjectNode spec = template.putObject("spec");
        ObjectNode domain = spec.putObject("domain");
        domain.putObject("machine").put("type", machine);
        domain.putObject("memory").put("guest", "256Mi");
        domain.putObject("resources");
        ArrayNode disks = domain.putObject("devices").putArray("disks");
        ArrayNode volumes = spec.putArray("volumes");
        disks.addObject().put("name", "root").putObject("disk").put("bus", "virtio");
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
        return new GeneratedVm(seed, vm, pool, machine, cloudInit, extraDisks, userHook, cloudInitSetup);
    }

    @Override
    public String toString() {
        return "pool " + pool + ", " + machine + ", cloud-init " + cloudInit + ", " + extraDisks + " more disks"
                + (userHook ? ", a user hook" : "") + ", guestSetup " + (cloudInitSetup ? "CloudInit" : "None");
    }
}
