package dev.libpool.e2e.lab;

import dev.libpool.api.v1alpha1.VmContract;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.guest.GuestScripts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Runs the real onDefineDomain hook of the guest module over a domain, exactly as KubeVirt's sidecar-shim
 * does: {@code onDefineDomain --vmi <json> --domain <xml>}, the new domain on stdout.
 */
public final class KubeVirtHook {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path script;

    public KubeVirtHook(Path workDir) {
        this(workDir.resolve(GuestScripts.HOOK), GuestScripts.hookScript());
    }

    /** The hook as {@code text} (e.g. the script of the operator's hook ConfigMap), written to {@code script}. */
    KubeVirtHook(Path script, String text) {
        this.script = script;
        GuestKernel.write(script, text);
    }

    public String onDefineDomain(String domainXml, String vmName, String pool, Path poolFile) {
        return onDefineDomain(domainXml, vmName, Map.of(pool, poolFile));
    }

    /** The hook for a VM with several pools (pool name to pool file; the first one in order labels the VMI). */
    public String onDefineDomain(String domainXml, String vmName, Map<String, Path> poolFiles) {
        return onDefineDomain(domainXml, vmi(vmName, new TreeMap<>(poolFiles)));
    }

    /** The hook on a domain with the VMI JSON virt-launcher gives it (e.g. KubeVirt's own, from kube-test's KubeVirtCode). */
    public String onDefineDomain(String domainXml, String vmiJson) {
        return Command.run(Duration.ofSeconds(60), "/usr/bin/python3", script.toString(),
                "--vmi", vmiJson, "--domain", domainXml);
    }

    /** The parts of the VMI that the operator sets for a pool VM: the size annotations and the hostDisk volumes. */
    private static String vmi(String vmName, SortedMap<String, Path> poolFiles) {
        ObjectNode vmi = JSON.createObjectNode();
        vmi.put("apiVersion", "kubevirt.io/v1").put("kind", "VirtualMachineInstance");
        ObjectNode metadata = vmi.putObject("metadata");
        metadata.put("name", vmName).put("namespace", "libpool-e2e");
        metadata.putObject("labels").put(VmContract.POOL_LABEL, poolFiles.firstKey());
        ObjectNode annotations = metadata.putObject("annotations");
        ObjectNode spec = vmi.putObject("spec");
        ArrayNode disks = spec.putObject("domain").putObject("devices").putArray("disks");
        ArrayNode volumes = spec.putArray("volumes");
        poolFiles.forEach((pool, poolFile) -> {
            try {
                annotations.put(VmContract.sizeAnnotation(pool), Long.toString(Files.size(poolFile)));
            } catch (IOException e) {
                throw new LabException("cannot read the size of the pool file " + poolFile + ": " + e.getMessage(), e);
            }
            disks.addObject().put("name", VmContract.volumeName(pool)).putObject("disk").put("bus", "virtio");
            volumes.addObject().put("name", VmContract.volumeName(pool)).putObject("hostDisk")
                    .put("path", poolFile.toString()).put("type", "Disk");
        });
        return vmi.toString();
    }
}
