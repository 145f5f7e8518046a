package dev.libpool.operator.vm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.guest.GuestSetup;
import dev.libpool.operator.testing.KubeVirtAdmission;
import dev.libpool.operator.testing.KubeVirtSchema;
import dev.libpool.operator.testing.VmFixtures;
import io.fabric8.zjsonpatch.JsonPatch;
import io.fabric8.zjsonpatch.JsonPatchException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VmPatchPlanTest {
    static final String SHIM = "quay.io/kubevirt/sidecar-shim:v1.9.0";
    static final Attachment CLOUD_INIT = new Attachment("base", "/var/lib/libpool/pools/base/pool.img", 306184192L,
            Optional.of(GuestSetup.of("base")), SHIM);
    static final Attachment NO_SETUP = new Attachment("base", "/var/lib/libpool/pools/base/pool.img", 306184192L,
            Optional.empty(), SHIM);
    static final Set<String> GATES = Set.of("Sidecar", "HostDisk");

    static Stream<Arguments> vms() {
        List<Arguments> all = new ArrayList<>();
        for (String fixture : List.of("vm-cirros.yaml", "vm-cirros-with-sidecar-hook-configmap.yaml", "vm-alpine-datavolume.yaml")) {
            for (Attachment attachment : List.of(CLOUD_INIT, NO_SETUP)) {
                all.add(Arguments.of(fixture, attachment));
            }
        }
        // every cloud-init form
        all.add(Arguments.of("nocloud-cloud-config", CLOUD_INIT));
        all.add(Arguments.of("configdrive-base64", CLOUD_INIT));
        all.add(Arguments.of("no-cloud-init", CLOUD_INIT));
        all.add(Arguments.of("empty-user-data", CLOUD_INIT));
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("vms")
    void attachAddsOnlyLibpoolsPartsAndDetachRestoresTheVmExactly(String fixture, Attachment attachment) throws Exception {
        ObjectNode vm = vm(fixture);

        ArrayNode attach = VmPatchPlan.plan(vm, Optional.of(attachment)).patch().orElseThrow();
        assertThat(attach.get(0).toString()).isEqualTo("{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"7\"}");
        for (JsonNode op : attach) {
            assertThat(op.get("op").asText()).as("adds, or replaces a cloud-init or hook value: %s", op)
                    .isIn("test", "add", "replace");
        }
        JsonNode patched = apply(attach, vm);

        assertThat(KubeVirtSchema.violations(patched)).isEmpty();
        assertThat(KubeVirtAdmission.violations(patched, GATES)).isEmpty();
        JsonNode volume = Json.named(patched, CloudInitEdit.VOLUMES, "libpool-base").orElseThrow();
        assertThat(volume.get("hostDisk").toString())
                .isEqualTo("{\"path\":\"/var/lib/libpool/pools/base/pool.img\",\"type\":\"Disk\"}");
        assertThat(Json.named(patched, CloudInitEdit.DISKS, "libpool-base")).isPresent();
        JsonNode annotations = patched.at("/spec/template/metadata/annotations");
        assertThat(annotations.get("libpool.dev/size-base").asText()).isEqualTo("306184192");
        JsonNode hooks = Json.MAPPER.readTree(annotations.get(VmContract.HOOK_SIDECARS_ANNOTATION).asText());
        assertThat(hooks.get(hooks.size() - 1)).isEqualTo(HookAnnotation.entry(SHIM));
        assertThat(patched.at("/metadata/annotations").has(VmContract.RECORD_ANNOTATION)).isTrue();
        assertThat(ownUserData(patched)).isEqualTo(ownUserData(vm));
        assertThat(VmPatchPlan.plan(patched, Optional.of(attachment)).patch()).as("a second reconcile writes nothing").isEmpty();

        ArrayNode detach = VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow();
        JsonNode restored = apply(detach, patched);
        assertThat(restored).isEqualTo(vm);
        assertThat(restored.toString()).as("byte for byte, key order included").isEqualTo(vm.toString());
        assertThat(VmPatchPlan.plan(restored, Optional.empty()).patch()).isEmpty();
    }

    @Test
    void theUsersHooksStayFirstAndTheirTextComesBackAsWritten() throws Exception {
        ObjectNode vm = vm("vm-cirros-with-sidecar-hook-configmap.yaml");
        String userText = vm.at("/spec/template/metadata/annotations").get(VmContract.HOOK_SIDECARS_ANNOTATION).asText();
        JsonNode patched = apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        JsonNode hooks = Json.MAPPER.readTree(patched.at("/spec/template/metadata/annotations")
                .get(VmContract.HOOK_SIDECARS_ANNOTATION).asText());
        assertThat(hooks).hasSize(2);
        assertThat(hooks.get(0)).isEqualTo(Json.MAPPER.readTree(userText).get(0));
        JsonNode restored = apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched);
        assertThat(restored.at("/spec/template/metadata/annotations").get(VmContract.HOOK_SIDECARS_ANNOTATION).asText())
                .isEqualTo(userText);
    }

    /**
     * KubeVirt >= 1.3 gives an entry without image its installed sidecar-shim (template.go: {@code if
     * requestedHookSidecar.Image == "" { ... os.Getenv(SIDECAR_SHIM_IMAGE) }}, the image virt-operator resolved with
     * the CR's imagePrefix and per-image overrides). A VM patched by the previous release with an explicit image is
     * brought to the entry without image; the user's own hooks stay as written.
     */
    @Test
    void theSidecarEntryLeavesTheImageToKubeVirtAndAnOlderEntryIsReplaced() throws Exception {
        Attachment installed = new Attachment("base", "/var/lib/libpool/pools/base/pool.img", 306184192L,
                Optional.empty(), "");
        ObjectNode vm = vm("vm-cirros-with-sidecar-hook-configmap.yaml");
        String userText = vm.at("/spec/template/metadata/annotations").get(VmContract.HOOK_SIDECARS_ANNOTATION).asText();
        JsonNode explicit = apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);

        JsonNode patched = apply(VmPatchPlan.plan(explicit, Optional.of(installed)).patch().orElseThrow(), explicit);
        JsonNode hooks = Json.MAPPER.readTree(patched.at("/spec/template/metadata/annotations")
                .get(VmContract.HOOK_SIDECARS_ANNOTATION).asText());
        assertThat(hooks).hasSize(2);
        assertThat(hooks.get(0)).isEqualTo(Json.MAPPER.readTree(userText).get(0));
        assertThat(hooks.get(1).has("image")).as("%s", hooks.get(1)).isFalse();
        assertThat(hooks.get(1).at("/configMap/name").asText()).isEqualTo(VmContract.HOOK_CONFIG_MAP);
        assertThat(KubeVirtAdmission.violations(patched, GATES)).isEmpty();
        assertThat(VmPatchPlan.plan(patched, Optional.of(installed)).patch()).isEmpty();
        JsonNode restored = apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched);
        assertThat(restored.toString()).isEqualTo(vm.toString());
    }

    @Test
    void aHookTheUserAddsAfterLibpoolIsKeptOnDetach() throws Exception {
        ObjectNode vm = vm("vm-cirros.yaml");
        ObjectNode patched = (ObjectNode) apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        ObjectNode annotations = (ObjectNode) patched.at("/spec/template/metadata/annotations");
        ArrayNode hooks = (ArrayNode) Json.MAPPER.readTree(annotations.get(VmContract.HOOK_SIDECARS_ANNOTATION).asText());
        hooks.addObject().put("image", "example/own-hook:1");
        annotations.put(VmContract.HOOK_SIDECARS_ANNOTATION, hooks.toString());

        JsonNode detached = apply(VmPatchPlan.plan(patched, Optional.empty()).patch().orElseThrow(), patched);
        assertThat(detached.at("/spec/template/metadata/annotations").get(VmContract.HOOK_SIDECARS_ANNOTATION).asText())
                .isEqualTo("[{\"image\":\"example/own-hook:1\"}]");
    }

    @Test
    void aUserEditOfALibpoolFieldIsRepairedByOnePatchGuardedByTheVersionRead() throws Exception {
        ObjectNode vm = vm("vm-cirros.yaml");
        ObjectNode patched = (ObjectNode) apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        ObjectNode hostDisk = (ObjectNode) Json.named(patched, CloudInitEdit.VOLUMES, "libpool-base").orElseThrow().get("hostDisk");
        hostDisk.put("path", "/elsewhere/pool.img");

        ArrayNode repair = VmPatchPlan.plan(patched, Optional.of(NO_SETUP)).patch().orElseThrow();
        assertThat(repair.get(0).toString()).isEqualTo("{\"op\":\"test\",\"path\":\"/metadata/resourceVersion\",\"value\":\"7\"}");
        assertThat(repair).extracting(op -> op.get("op").asText()).as("no test of values: the server compares encoded bytes")
                .containsOnlyOnce("test");
        assertThat(apply(repair, patched)).isEqualTo(apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm));
    }

    @Test
    void aPoolThatChangesAttachMovesTheVmInOnePatch() {
        ObjectNode vm = vm("nocloud-cloud-config");
        JsonNode withSetup = apply(VmPatchPlan.plan(vm, Optional.of(CLOUD_INIT)).patch().orElseThrow(), vm);
        ArrayNode change = VmPatchPlan.plan(withSetup, Optional.of(NO_SETUP)).patch().orElseThrow();
        JsonNode withoutSetup = apply(change, withSetup);
        assertThat(withoutSetup).isEqualTo(apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm));
        assertThat(VmFixtures.volumes(withoutSetup).get(1).get("cloudInitNoCloud").get("userData").asText())
                .isEqualTo("#cloud-config\npassword: fedora\nchpasswd: { expire: False }");
    }

    @Test
    void aPatchPlannedOnAnOlderVmIsRefusedByItsPreconditions() {
        ObjectNode vm = vm("vm-cirros.yaml");
        ArrayNode attach = VmPatchPlan.plan(vm, Optional.of(CLOUD_INIT)).patch().orElseThrow();
        ObjectNode edited = vm.deepCopy();
        ((ObjectNode) edited.get("metadata")).put("resourceVersion", "8");
        assertThatThrownBy(() -> JsonPatch.apply(attach, edited)).isInstanceOf(JsonPatchException.class);
    }

    @Test
    void theHostDiskIsNotSharedSoKubeVirtKeepsThePoolVmFromLiveMigrating() throws Exception {
        ObjectNode vm = vm("vm-cirros.yaml");
        JsonNode patched = apply(VmPatchPlan.plan(vm, Optional.of(CLOUD_INIT)).patch().orElseThrow(), vm);
        JsonNode hostDisk = Json.named(patched, CloudInitEdit.VOLUMES, "libpool-base").orElseThrow().get("hostDisk");
        // kubevirt v1.9 virt-handler checkVolumesForMigration: a hostDisk without shared=true blocks live migration.
        assertThat(hostDisk.has("shared")).isFalse();
    }

    @Test
    void refusalsNameTheFixAndLeaveTheVmAlone() {
        ObjectNode clash = vm("vm-cirros.yaml");
        ((ArrayNode) VmFixtures.volumes(clash)).addObject().put("name", "libpool-base").putObject("emptyDisk").put("capacity", "1Gi");
        assertRefused(clash, CLOUD_INIT, Refusal.Reason.VolumeNameTaken, "rename it");

        ObjectNode secret = vm("vm-cirros.yaml");
        ObjectNode noCloud = (ObjectNode) VmFixtures.volumes(secret).get(1).get("cloudInitNoCloud");
        noCloud.remove("userData");
        noCloud.putObject("userDataSecretRef").put("name", "my-user-data");
        assertRefused(secret, CLOUD_INIT, Refusal.Reason.UserDataInSecret, "guestSetup: None");
        assertThat(VmPatchPlan.plan(secret, Optional.of(NO_SETUP)).patch()).as("no cloud-init needed: attached").isPresent();

        ObjectNode large = vm("vm-cirros.yaml");
        ((ObjectNode) VmFixtures.volumes(large).get(1).get("cloudInitNoCloud")).put("userData", "#!/bin/sh\n" + "#".repeat(1900) + "\n");
        assertRefused(large, CLOUD_INIT, Refusal.Reason.UserDataTooLarge, "2048 bytes");

        ObjectNode both = vm("vm-cirros.yaml");
        ((ObjectNode) VmFixtures.volumes(both).get(1).get("cloudInitNoCloud")).put("userDataBase64", "IyEvYmluL3NoCg==");
        assertRefused(both, CLOUD_INIT, Refusal.Reason.UserDataUnsupported, "keep one");
    }

    @Test
    void aRefusedVmThatWasAttachedIsDetached() throws Exception {
        ObjectNode vm = vm("vm-cirros.yaml");
        ObjectNode patched = (ObjectNode) apply(VmPatchPlan.plan(vm, Optional.of(NO_SETUP)).patch().orElseThrow(), vm);
        ((ArrayNode) VmFixtures.volumes(patched)).addObject().put("name", "libpool-base-clash");
        VmPatchPlan.Plan plan = VmPatchPlan.plan(patched, Optional.of(CLOUD_INIT));
        assertThat(plan.refusal()).isEmpty();
        ((ObjectNode) VmFixtures.volumes(patched).get(1).get("cloudInitNoCloud")).put("userData", "#!/bin/sh\n" + "#".repeat(1900));
        VmPatchPlan.Plan refused = VmPatchPlan.plan(patched, Optional.of(CLOUD_INIT));
        assertThat(refused.refusal().map(Refusal::reason)).contains(Refusal.Reason.UserDataTooLarge);
        JsonNode detached = apply(refused.patch().orElseThrow(), patched);
        assertThat(Json.named(detached, CloudInitEdit.VOLUMES, "libpool-base")).isEmpty();
    }

    @Test
    void anUnreadableRecordIsReportedNotGuessed() {
        ObjectNode vm = vm("vm-cirros.yaml");
        ((ObjectNode) vm.get("metadata")).putObject("annotations").put(VmContract.RECORD_ANNOTATION, "{broken");
        VmPatchPlan.Plan plan = VmPatchPlan.plan(vm, Optional.of(CLOUD_INIT));
        assertThat(plan.patch()).isEmpty();
        assertThat(plan.refusal().map(Refusal::reason)).contains(Refusal.Reason.RecordUnreadable);
    }

    private static void assertRefused(ObjectNode vm, Attachment attachment, Refusal.Reason reason, String fix) {
        VmPatchPlan.Plan plan = VmPatchPlan.plan(vm, Optional.of(attachment));
        assertThat(plan.patch()).isEmpty();
        assertThat(plan.refusal()).hasValueSatisfying(r -> {
            assertThat(r.reason()).isEqualTo(reason);
            assertThat(r.message()).contains(fix);
        });
    }

    static JsonNode apply(ArrayNode patch, JsonNode vm) {
        return JsonPatch.apply(patch, vm);
    }

    /** The user's own cloud-init text, libpool's part taken out again. */
    private static String ownUserData(JsonNode vm) {
        for (JsonNode volume : VmFixtures.volumes(vm)) {
            for (String source : CloudInitEdit.SOURCES) {
                JsonNode s = volume.path(source);
                if (s.has("userData")) {
                    return dev.libpool.guest.CloudInitBootstrap.remove(s.get("userData").asText(), "base");
                }
                if (s.has("userDataBase64")) {
                    return dev.libpool.guest.CloudInitBootstrap.remove(new String(Base64.getMimeDecoder()
                            .decode(s.get("userDataBase64").asText()), StandardCharsets.UTF_8), "base");
                }
            }
        }
        return null;
    }

    static ObjectNode vm(String fixture) {
        ObjectNode vm = VmFixtures.optedIn(fixture.endsWith(".yaml") ? fixture : "vm-cirros.yaml", "tenant", "base");
        ObjectNode volume = (ObjectNode) VmFixtures.volumes(vm).get(1);
        switch (fixture) {
            case "nocloud-cloud-config" -> ((ObjectNode) volume.get("cloudInitNoCloud"))
                    .put("userData", "#cloud-config\npassword: fedora\nchpasswd: { expire: False }");
            case "configdrive-base64" -> {
                volume.remove("cloudInitNoCloud");
                // wrapped at 20 characters, as some tools write it: restored exactly as written
                String encoded = Base64.getMimeEncoder(20, "\n".getBytes()).encodeToString(
                        "#cloud-config\nruncmd: [date]\n".getBytes(StandardCharsets.UTF_8));
                volume.putObject("cloudInitConfigDrive").put("userDataBase64", encoded);
            }
            case "no-cloud-init" -> {
                ((ArrayNode) VmFixtures.volumes(vm)).remove(1);
                ((ArrayNode) vm.at("/spec/template/spec/domain/devices/disks")).remove(1);
                ((ObjectNode) vm.at("/spec/template")).remove("metadata");
            }
            case "empty-user-data" -> ((ObjectNode) volume.get("cloudInitNoCloud")).put("userData", "");
            default -> { }
        }
        return vm;
    }
}
