package dev.libpool.operator.vm;

import dev.libpool.api.v1alpha1.AttachSpec;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.guest.GuestSetup;

import java.util.Optional;

/**
 * What one pool adds to a VM, derived from the pool and the operator's settings.
 *
 * @param pool         the pool name
 * @param poolFile     the pool file on every node (the hostDisk path)
 * @param deviceSize   the virtio-pmem size in bytes (the size annotation the hook reads)
 * @param guestSetup   the cloud-init bootstrap to merge, empty for {@code attach.guestSetup: None}
 * @param sidecarImage KubeVirt's sidecar-shim image that runs the hook
 */
public record Attachment(String pool, String poolFile, long deviceSize, Optional<GuestSetup> guestSetup,
                         String sidecarImage) {

    public static Attachment of(SharedLibraryPool pool, String stateDir, String sidecarImage) {
        String name = pool.getMetadata().getName();
        AttachSpec attach = pool.getSpec().getAttach() == null ? new AttachSpec() : pool.getSpec().getAttach();
        Optional<GuestSetup> setup = attach.getGuestSetup() == AttachSpec.GuestSetup.None ? Optional.empty()
                : Optional.of(new GuestSetup(name, attach.getGuestMountPath(), false));
        return new Attachment(name, VmContract.poolFile(stateDir, name),
                VmContract.deviceSizeBytes(pool.getSpec().getMaxSize()), setup, sidecarImage);
    }
}
