package dev.libpool.operator.vm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;

import java.util.EnumSet;
import java.util.Optional;

/**
 * The one JSON patch that takes a VM from what it is to what libpool wants it to be, as a pure function:
 * remove what the record says libpool added (so a user edit of a libpool field is repaired, not fought),
 * add what the wanted pool needs, and diff. The patch starts with a {@code test} of the VM's
 * resourceVersion, which the API server changes on every write, so a VM changed since it was read makes the
 * server refuse the whole patch (the caller re-reads and plans again). No {@code test} of the values
 * themselves: the API server's JSON patch (evanphx/json-patch v4) compares strings by their encoded bytes, and
 * Go escapes {@code <>&} where Jackson does not, so a test of an equal cloud-init script with {@code 2>/dev/null}
 * would fail forever.
 * Nothing changed means no patch and no write.
 */
public final class VmPatchPlan {
    private static final EnumSet<DiffFlags> FLAGS = EnumSet.of(DiffFlags.OMIT_MOVE_OPERATION,
            DiffFlags.OMIT_COPY_OPERATION);

    private VmPatchPlan() {
    }

    /**
     * @param vm     the VM as read
     * @param wanted the pool the VM should have, or empty to have none
     */
    public static Plan plan(JsonNode vm, Optional<Attachment> wanted) {
        Optional<PatchRecord> record;
        try {
            record = PatchRecord.read(vm);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return new Plan(Optional.empty(), Optional.of(new Refusal(Refusal.Reason.RecordUnreadable, "the VM's "
                    + "annotation libpool.dev/patched was changed and no longer says what libpool added: restore it "
                    + "or remove libpool's volume, disk, annotations and cloud-init block by hand, then the annotation")),
                    Optional.empty());
        }
        JsonNode base = record.<JsonNode>map(r -> VmEdit.detach(vm, r)).orElse(vm);
        JsonNode target = base;
        Optional<Refusal> refusal = Optional.empty();
        if (wanted.isPresent()) {
            try {
                target = VmEdit.attach(base, wanted.get());
            } catch (CloudInitEdit.Refused e) {
                refusal = Optional.of(e.refusal);
            }
        }
        return new Plan(patch(vm, target), refusal, record.map(PatchRecord::pool));
    }

    /** The VM as it was before libpool (or as it is, when libpool never touched it). */
    public static JsonNode unpatched(JsonNode vm) throws JsonProcessingException {
        return PatchRecord.read(vm).<JsonNode>map(r -> VmEdit.detach(vm, r)).orElse(vm);
    }

    /** Whether the VM's hook entry still names the hook ConfigMap of release 0.1 (which must stay until it does not). */
    public static boolean usesFormerHookConfigMap(JsonNode vm) {
        return HookAnnotation.hasFormerEntry(vm.at(VmEdit.TEMPLATE_ANNOTATIONS).path(VmContract.HOOK_SIDECARS_ANNOTATION)
                .asText(null));
    }

    private static Optional<ArrayNode> patch(JsonNode vm, JsonNode target) {
        JsonNode diff = JsonDiff.asJson(vm, target, FLAGS);
        if (diff.isEmpty()) {
            return Optional.empty();
        }
        ArrayNode ops = Json.MAPPER.createArrayNode();
        String resourceVersion = vm.path("metadata").path("resourceVersion").asText(null);
        if (resourceVersion != null) {
            ObjectNode test = ops.addObject();
            test.put("op", "test").put("path", "/metadata/resourceVersion").put("value", resourceVersion);
        }
        ops.addAll((ArrayNode) diff);
        return Optional.of(ops);
    }

    /**
     * @param patch       the JSON patch to send, empty when the VM is already as wanted
     * @param refusal     why the wanted pool is not attached, if it is not
     * @param patchedWith the pool the VM carried before this plan, if any
     */
    public record Plan(Optional<ArrayNode> patch, Optional<Refusal> refusal, Optional<String> patchedWith) {
    }
}
