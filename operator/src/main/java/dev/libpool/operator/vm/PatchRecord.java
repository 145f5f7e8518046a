package dev.libpool.operator.vm;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.libpool.api.v1alpha1.VmContract;

import java.util.List;
import java.util.Optional;

/**
 * The VM annotation {@link VmContract#RECORD_ANNOTATION}: which pool libpool attached and what it needs to
 * give back exactly what was there before (containers it created, the user's hook annotation, the user's
 * cloud-init field). Volume, disk and size annotation are found by their contract names.
 *
 * @param pool         the attached pool
 * @param created      JSON pointers of objects/lists libpool created (removed again when empty)
 * @param hookSidecars the VM template's hook annotation before libpool, null when it had none
 * @param cloudInit    where libpool merged its bootstrap, null for guestSetup None
 * @param nodeSelector the key an earlier build added to spec.template.spec.nodeSelector (only read: detach
 *                     removes it, the next attach adds the node affinity instead; null in records of release
 *                     0.1, which added none)
 * @param nodeAffinity the required node affinity expression libpool added (null in older records)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PatchRecord(String pool, List<String> created, String hookSidecars, CloudInit cloudInit,
                          String nodeSelector, NodeAffinity nodeAffinity) {

    /**
     * @param key                the expression's key, {@code pool.libpool.dev/<pool>}, in every required term
     * @param addedTerm          true when the VM had no required term and libpool added the one term
     * @param createdExpressions indexes of the user's terms (matchFields only) where libpool created matchExpressions
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NodeAffinity(String key, Boolean addedTerm, List<Integer> createdExpressions) {
    }

    /**
     * @param volume   the cloud-init volume libpool merged into, or added
     * @param source   cloudInitNoCloud or cloudInitConfigDrive
     * @param field    userData or userDataBase64
     * @param added    true when libpool added the volume (and its disk) because the VM had none
     * @param original the user's userDataBase64 text as written (base64 may be wrapped; restored as is)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CloudInit(String volume, String source, String field, Boolean added, String original) {
        boolean isAdded() {
            return Boolean.TRUE.equals(added);
        }
    }

    static Optional<PatchRecord> read(JsonNode vm) throws JsonProcessingException {
        JsonNode value = vm.path("metadata").path("annotations").path(VmContract.RECORD_ANNOTATION);
        if (!value.isTextual()) {
            return Optional.empty();
        }
        PatchRecord record = Json.MAPPER.readValue(value.asText(), PatchRecord.class);
        if (record.pool() == null || !VmContract.isPoolName(record.pool())) {
            throw new IllegalArgumentException("annotation " + VmContract.RECORD_ANNOTATION + " names no valid pool");
        }
        return Optional.of(record);
    }

    String toJson() {
        try {
            return Json.MAPPER.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the libpool patch record", e);
        }
    }

    List<String> createdOrEmpty() {
        return created == null ? List.of() : created;
    }
}
