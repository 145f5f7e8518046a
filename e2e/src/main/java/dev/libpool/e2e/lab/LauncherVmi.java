package dev.libpool.e2e.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What virt-launcher makes of a KubeVirt VirtualMachine, for the parts libpool touches: the VMI that KubeVirt
 * creates from the VM's template (its labels, annotations and spec; the hook gets it as {@code --vmi}), and each
 * hostDisk volume as the file virt-launcher hands QEMU inside its pod,
 * {@code /var/run/kubevirt-private/vmi-disks/<volume>/<file name>}.
 *
 * @param name      the VM's name
 * @param json      the VMI as JSON
 * @param hostDisks the template's hostDisk volumes that a disk of the template uses
 */
public record LauncherVmi(String name, String json, List<Volume> hostDisks) {
    /** Where virt-launcher mounts the volumes of a VMI's disks (KubeVirt's hostdisk package). */
    public static final Path VMI_DISKS = Path.of("/var/run/kubevirt-private/vmi-disks");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param name     the volume name (the disk's alias is {@code ua-<name>})
     * @param hostPath the hostDisk path on the node
     */
    public record Volume(String name, Path hostPath) {
        /** The file as QEMU sees it in the launcher pod. */
        public Path launcherPath() {
            return VMI_DISKS.resolve(name).resolve(hostPath.getFileName());
        }
    }

    /** Makes the launcher paths of a guest's disks exist while QEMU opens them. */
    @FunctionalInterface
    interface Exposure {
        Exposure NONE = () -> () -> { };

        Exposed expose() throws IOException;
    }

    interface Exposed extends AutoCloseable {
        @Override
        void close() throws IOException;
    }

    /** The VMI of a VM as read from the API server. */
    public static LauncherVmi of(JsonNode vm) {
        JsonNode template = vm.path("spec").path("template");
        ObjectNode vmi = JSON.createObjectNode();
        vmi.put("apiVersion", "kubevirt.io/v1").put("kind", "VirtualMachineInstance");
        ObjectNode metadata = vmi.putObject("metadata");
        metadata.put("name", vm.path("metadata").path("name").asText());
        metadata.put("namespace", vm.path("metadata").path("namespace").asText());
        metadata.set("labels", template.path("metadata").path("labels").deepCopy());
        metadata.set("annotations", template.path("metadata").path("annotations").deepCopy());
        vmi.set("spec", template.path("spec").deepCopy());
        List<Volume> volumes = new ArrayList<>();
        for (JsonNode volume : template.path("spec").path("volumes")) {
            String volumeName = volume.path("name").asText();
            boolean used = false;
            for (JsonNode disk : template.path("spec").path("domain").path("devices").path("disks")) {
                used |= volumeName.equals(disk.path("name").asText());
            }
            if (used && volume.has("hostDisk")) {
                volumes.add(new Volume(volumeName, Path.of(volume.path("hostDisk").path("path").asText())));
            }
        }
        return new LauncherVmi(vm.path("metadata").path("name").asText(), vmi.toString(), List.copyOf(volumes));
    }

    /** The pool of the first libpool volume, which the lab guest's init attaches. */
    public Optional<String> pool() {
        return hostDisks.stream().map(Volume::name).filter(n -> n.startsWith(VmContract.VOLUME_PREFIX))
                .map(n -> n.substring(VmContract.VOLUME_PREFIX.length())).findFirst();
    }

    /**
     * Links each launcher path to its host file until closed. Made only after the hook ran: like KubeVirt's hook
     * sidecar, the hook then cannot see the file and takes the pool's size from the VMI's annotation. QEMU has
     * opened the files when {@code virsh create} returns, so the links go right after.
     */
    Exposed expose() throws IOException {
        List<Path> made = new ArrayList<>();
        Exposed undo = () -> {
            for (Path link : made) {
                Files.deleteIfExists(link);
                Files.deleteIfExists(link.getParent());
            }
        };
        try {
            for (Volume volume : hostDisks) {
                Path link = volume.launcherPath();
                if (Files.exists(link, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(link)) {
                    throw new IOException(link + " exists and is not a link the lab made: is this a KubeVirt node?");
                }
                Files.createDirectories(link.getParent());
                Files.deleteIfExists(link);
                Files.createSymbolicLink(link, volume.hostPath());
                made.add(link);
            }
            return undo;
        } catch (IOException e) {
            undo.close();
            throw e;
        }
    }
}
