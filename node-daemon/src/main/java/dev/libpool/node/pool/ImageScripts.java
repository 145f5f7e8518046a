package dev.libpool.node.pool;

import dev.libpool.guest.GuestScripts;

import java.nio.charset.StandardCharsets;

/**
 * The guest scripts that go into every image as /.libpool/attach.sh, detach.sh and bootstrap.sh (the VM's
 * cloud-init only finds the pool device and runs the image's bootstrap, so the image carries the code).
 */
public record ImageScripts(byte[] attach, byte[] detach, byte[] bootstrap) {

    /** From the guest module (libpool-guest) on the classpath; missing scripts fail the pool, not the daemon. */
    public static ImageScripts fromGuestModule() throws PoolFailure {
        try {
            return new ImageScripts(GuestScripts.attachScript().getBytes(StandardCharsets.UTF_8),
                    GuestScripts.detachScript().getBytes(StandardCharsets.UTF_8),
                    GuestScripts.bootstrapScript().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException | LinkageError e) {
            throw new PoolFailure(PoolFailure.Reason.GuestScriptsMissing, "the guest scripts "
                    + GuestScripts.RESOURCE_DIR + "{" + GuestScripts.ATTACH + "," + GuestScripts.DETACH + "," + GuestScripts.BOOTSTRAP
                    + "} are not on "
                    + "the node daemon's classpath (" + e.getMessage() + "): build the guest module and put libpool-guest "
                    + "on the classpath", e);
        }
    }
}
