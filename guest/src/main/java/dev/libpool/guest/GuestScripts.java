package dev.libpool.guest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The guest-side scripts shipped as classpath resources of this module.
 *
 * <p>The node daemon copies {@link #attachScript()} and {@link #detachScript()} into every pool image
 * as {@code /.libpool/attach.sh} and {@code /.libpool/detach.sh}; the operator delivers
 * {@link #hookScript()} (KubeVirt's onDefineDomain hook) in a ConfigMap and embeds
 * {@link #bootstrapScript()} in the VM's cloud-init.
 */
public final class GuestScripts {

    /** Classpath directory of the scripts, for callers that copy them as files. */
    public static final String RESOURCE_DIR = "/dev/libpool/guest/";
    public static final String ATTACH = "libpool-attach.sh";
    public static final String DETACH = "libpool-detach.sh";
    public static final String BOOTSTRAP = "libpool-bootstrap.sh";
    public static final String HOOK = "onDefineDomain.py";

    private GuestScripts() {
    }

    /** POSIX sh: bind-mounts matching pool files over the guest's own (see the script header). */
    public static String attachScript() {
        return load(ATTACH);
    }

    /** POSIX sh: removes the bind mounts attach made. */
    public static String detachScript() {
        return load(DETACH);
    }

    /** POSIX sh: finds the pool's virtio-pmem device, mounts it with DAX and runs attach. */
    public static String bootstrapScript() {
        return load(BOOTSTRAP);
    }

    /** Python 3.9: KubeVirt onDefineDomain hook turning pool disks into read-only virtio-pmem. */
    public static String hookScript() {
        return load(HOOK);
    }

    static String load(String name) {
        try (InputStream in = GuestScripts.class.getResourceAsStream(RESOURCE_DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE_DIR + name + " missing from the guest jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + RESOURCE_DIR + name, e);
        }
    }
}
