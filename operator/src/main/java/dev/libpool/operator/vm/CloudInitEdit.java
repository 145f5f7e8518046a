package dev.libpool.operator.vm;

import dev.libpool.api.v1alpha1.VmContract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.guest.CloudInitBootstrap;
import dev.libpool.guest.GuestSetup;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Merges the guest bootstrap into a VM's cloud-init (NoCloud or ConfigDrive, userData or userDataBase64) and
 * takes it out again, through the guest module's {@link CloudInitBootstrap}.
 */
final class CloudInitEdit {
    static final int USER_DATA_LIMIT = VmContract.INLINE_USER_DATA_LIMIT;
    /** The volume libpool adds to a VM that has no cloud-init volume (a reserved name: ReservedNames keeps it free). */
    static final String ADDED_VOLUME = VmContract.CLOUD_INIT_VOLUME;
    static final List<String> SOURCES = List.of("cloudInitNoCloud", "cloudInitConfigDrive");
    static final String VOLUMES = "/spec/template/spec/volumes";
    static final String DISKS = "/spec/template/spec/domain/devices/disks";

    private CloudInitEdit() {
    }

    /** Merges {@code setup} into the VM's cloud-init; the record of where, or a refusal. */
    static PatchRecord.CloudInit merge(ObjectNode vm, GuestSetup setup, List<String> created) throws Refused {
        Optional<ObjectNode> volume = cloudInitVolume(vm);
        if (volume.isEmpty()) {
            String userData = checkedSize(apply(null, setup));
            ObjectNode added = Json.ensureArray(vm, VOLUMES, created).addObject();
            added.put("name", ADDED_VOLUME).putObject("cloudInitNoCloud").put("userData", userData);
            Json.ensureArray(vm, DISKS, created).addObject().put("name", ADDED_VOLUME).putObject("disk").put("bus", "virtio");
            return new PatchRecord.CloudInit(ADDED_VOLUME, "cloudInitNoCloud", "userData", true, null);
        }
        ObjectNode vol = volume.get();
        String sourceName = SOURCES.stream().filter(vol::has).findFirst().orElseThrow();
        ObjectNode source = (ObjectNode) vol.get(sourceName);
        String name = vol.path("name").asText();
        for (String secret : List.of("userDataSecretRef", "secretRef")) {
            if (source.has(secret)) {
                throw new Refused(Refusal.Reason.UserDataInSecret, "cloud-init volume " + name + " takes its user data "
                        + "from Secret " + source.path(secret).path("name").asText() + ", which libpool does not read: "
                        + "either set the pool's spec.attach.guestSetup: None and attach from the guest image "
                        + "(run the image's /.libpool bootstrap yourself), or put the user data inline (at most "
                        + USER_DATA_LIMIT + " bytes together with libpool's bootcmd)");
            }
        }
        if (source.has("userData") && source.has("userDataBase64")) {
            throw new Refused(Refusal.Reason.UserDataUnsupported, "cloud-init volume " + name + " sets both userData "
                    + "and userDataBase64; KubeVirt allows one: keep one");
        }
        boolean base64 = source.has("userDataBase64");
        String field = base64 ? "userDataBase64" : "userData";
        String original = source.has(field) ? source.get(field).asText() : null;
        String text = base64 ? decode(original, name) : original;
        String merged = checkedSize(apply(text, setup));
        source.put(field, base64 ? encode(merged) : merged);
        return new PatchRecord.CloudInit(name, sourceName, field, null, base64 ? original : null);
    }

    /** Takes libpool's bootstrap out of the recorded cloud-init volume (or removes the volume libpool added). */
    static void unmerge(ObjectNode vm, PatchRecord.CloudInit record, String pool) {
        if (record.isAdded()) {
            Json.removeNamed(vm, VOLUMES, record.volume());
            Json.removeNamed(vm, DISKS, record.volume());
            return;
        }
        Optional<ObjectNode> volume = Json.named(vm, VOLUMES, record.volume());
        if (volume.isEmpty() || !(volume.get().get(record.source()) instanceof ObjectNode source)) {
            return; // the user removed the volume: nothing of libpool's is left in it
        }
        JsonNode value = source.get(record.field());
        if (value == null || !value.isTextual()) {
            return;
        }
        boolean base64 = record.field().equals("userDataBase64");
        String text = base64 ? decodeOrNull(value.asText()) : value.asText();
        if (text == null) {
            return;
        }
        String restored = CloudInitBootstrap.remove(text, pool);
        if (restored == null) {
            source.remove(record.field());
        } else if (!base64) {
            source.put(record.field(), restored);
        } else if (record.original() != null && restored.equals(decodeOrNull(record.original()))) {
            source.put(record.field(), record.original());
        } else {
            source.put(record.field(), encode(restored));
        }
    }

    private static Optional<ObjectNode> cloudInitVolume(JsonNode vm) {
        return Json.array(vm, VOLUMES).flatMap(volumes -> {
            for (JsonNode v : volumes) {
                if (v.isObject() && SOURCES.stream().anyMatch(v::has)) {
                    return Optional.of((ObjectNode) v);
                }
            }
            return Optional.empty();
        });
    }

    private static String apply(String userData, GuestSetup setup) throws Refused {
        try {
            return CloudInitBootstrap.apply(userData, setup);
        } catch (IllegalArgumentException e) {
            throw new Refused(Refusal.Reason.UserDataUnsupported, e.getMessage());
        }
    }

    private static String checkedSize(String userData) throws Refused {
        int size = userData.getBytes(StandardCharsets.UTF_8).length;
        if (size > USER_DATA_LIMIT) {
            throw new Refused(Refusal.Reason.UserDataTooLarge, "the user data with libpool's bootcmd would be " + size
                    + " bytes, over KubeVirt's inline limit of " + USER_DATA_LIMIT + " bytes: shorten the VM's user "
                    + "data, or set the pool's spec.attach.guestSetup: None and attach from the guest image");
        }
        return userData;
    }

    private static String decode(String base64, String volume) throws Refused {
        String text = base64 == null ? null : decodeOrNull(base64);
        if (base64 != null && text == null) {
            throw new Refused(Refusal.Reason.UserDataUnsupported, "cloud-init volume " + volume
                    + ": userDataBase64 is not valid base64 text: fix it");
        }
        return text;
    }

    private static String decodeOrNull(String base64) {
        try {
            return new String(Base64.getMimeDecoder().decode(Objects.requireNonNull(base64)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String encode(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A VM libpool will not (or no longer) attach, and why. */
    static final class Refused extends Exception {
        final Refusal refusal;

        Refused(Refusal.Reason reason, String message) {
            super(message);
            this.refusal = new Refusal(reason, message);
        }
    }
}
