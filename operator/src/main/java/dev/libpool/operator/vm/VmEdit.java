package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;

import java.util.ArrayList;
import java.util.List;

/**
 * The two pure edits of a VM: {@link #attach} adds exactly what a pool needs, {@link #detach} removes exactly
 * that again using the record annotation. {@code detach(attach(vm))} equals {@code vm}.
 */
final class VmEdit {
    static final String TEMPLATE_ANNOTATIONS = "/spec/template/metadata/annotations";
    static final String VM_ANNOTATIONS = "/metadata/annotations";
    static final String NODE_SELECTOR = "/spec/template/spec/nodeSelector";

    private VmEdit() {
    }

    /**
     * The VM with the pool attached. The hostDisk is not {@code shared}: KubeVirt then reports the VMI as not
     * live-migratable ("cannot migrate VMI with non-shared HostDisk"), which is what a pool VM must be, because
     * KubeVirt does not run hooks for a migration target and the guest would lose its pool device.
     */
    static ObjectNode attach(JsonNode base, Attachment attachment) throws CloudInitEdit.Refused {
        ObjectNode vm = base.deepCopy();
        String pool = attachment.pool();
        String volume = VmContract.volumeName(pool);
        ReservedNames.check(vm, pool);
        List<String> created = new ArrayList<>();
        ObjectNode templateAnnotations = Json.ensureObject(vm, TEMPLATE_ANNOTATIONS, created);
        ObjectNode vmAnnotations = Json.ensureObject(vm, VM_ANNOTATIONS, created);
        String userHooks = templateAnnotations.path(VmContract.HOOK_SIDECARS_ANNOTATION).asText(null);
        String hooks;
        try {
            hooks = HookAnnotation.withOurs(userHooks, attachment.sidecarImage());
        } catch (IllegalArgumentException e) {
            throw new CloudInitEdit.Refused(Refusal.Reason.UserDataUnsupported, e.getMessage());
        }
        PatchRecord.NodeAffinity nodeAffinity = NodeAffinityEdit.add(vm, pool, created);
        PatchRecord.CloudInit cloudInit = null;
        if (attachment.guestSetup().isPresent()) {
            cloudInit = CloudInitEdit.merge(vm, attachment.guestSetup().get(), created);
        }
        Json.ensureArray(vm, CloudInitEdit.VOLUMES, created).addObject()
                .put("name", volume)
                .putObject("hostDisk").put("path", attachment.poolFile()).put("type", "Disk");
        Json.ensureArray(vm, CloudInitEdit.DISKS, created).addObject()
                .put("name", volume)
                .putObject("disk").put("bus", "virtio");
        templateAnnotations.put(VmContract.HOOK_SIDECARS_ANNOTATION, hooks);
        templateAnnotations.put(VmContract.sizeAnnotation(pool), Long.toString(attachment.deviceSize()));
        vmAnnotations.put(VmContract.RECORD_ANNOTATION, new PatchRecord(pool, created, userHooks, cloudInit,
                null, nodeAffinity).toJson());
        return vm;
    }

    /** The VM without what {@code record} says libpool added. */
    static ObjectNode detach(JsonNode patched, PatchRecord record) {
        ObjectNode vm = patched.deepCopy();
        String pool = record.pool();
        Json.removeNamed(vm, CloudInitEdit.VOLUMES, VmContract.volumeName(pool));
        Json.removeNamed(vm, CloudInitEdit.DISKS, VmContract.volumeName(pool));
        if (record.nodeSelector() != null) { // written by an earlier build: the VM moves to the node affinity
            Json.object(vm, NODE_SELECTOR).ifPresent(selector -> selector.remove(record.nodeSelector()));
        }
        if (record.nodeAffinity() != null) {
            NodeAffinityEdit.remove(vm, record.nodeAffinity());
        }
        if (record.cloudInit() != null) {
            CloudInitEdit.unmerge(vm, record.cloudInit(), pool);
        }
        Json.object(vm, TEMPLATE_ANNOTATIONS).ifPresent(annotations -> {
            annotations.remove(VmContract.sizeAnnotation(pool));
            JsonNode hooks = annotations.get(VmContract.HOOK_SIDECARS_ANNOTATION);
            String restored;
            try {
                restored = hooks == null || !hooks.isTextual() ? record.hookSidecars()
                        : HookAnnotation.withoutOurs(hooks.asText(), record.hookSidecars());
            } catch (IllegalArgumentException e) {
                return; // the user broke the annotation after libpool wrote it: theirs to fix, not ours to guess
            }
            if (restored == null) {
                annotations.remove(VmContract.HOOK_SIDECARS_ANNOTATION);
            } else {
                annotations.put(VmContract.HOOK_SIDECARS_ANNOTATION, restored);
            }
        });
        Json.object(vm, VM_ANNOTATIONS).ifPresent(a -> a.remove(VmContract.RECORD_ANNOTATION));
        List<String> created = new ArrayList<>(record.createdOrEmpty());
        for (int i = created.size() - 1; i >= 0; i--) {
            Json.removeIfEmpty(vm, created.get(i));
        }
        return vm;
    }
}
