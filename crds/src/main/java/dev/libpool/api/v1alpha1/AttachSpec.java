package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

public class AttachSpec {
    public static final String DEFAULT_GUEST_MOUNT_PATH = "/run/libpool";

    @Default(DEFAULT_GUEST_MOUNT_PATH)
    @Pattern("^/[A-Za-z0-9._/-]*$")
    @JsonPropertyDescription("Where the guest mounts the pool image (read-only, DAX).")
    private String guestMountPath = DEFAULT_GUEST_MOUNT_PATH;

    @Default("CloudInit")
    @JsonPropertyDescription("CloudInit: merge the attach bootstrap into the VM's cloud-init. "
            + "None: the guest image attaches by itself.")
    private GuestSetup guestSetup = GuestSetup.CloudInit;

    public String getGuestMountPath() { return guestMountPath; }
    public void setGuestMountPath(String guestMountPath) { this.guestMountPath = guestMountPath; }
    public GuestSetup getGuestSetup() { return guestSetup; }
    public void setGuestSetup(GuestSetup guestSetup) { this.guestSetup = guestSetup; }

    public enum GuestSetup { CloudInit, None }
}
