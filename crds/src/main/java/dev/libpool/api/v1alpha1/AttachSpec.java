package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

public class AttachSpec {
    public static final String DEFAULT_GUEST_MOUNT_PATH = "/run/libpool";

    @Default(DEFAULT_GUEST_MOUNT_PATH)
    @Pattern(PathPatterns.ABSOLUTE_NO_DOT_SEGMENTS)
    @Size(max = 255)
    @JsonPropertyDescription("Absolute directory where the guest mounts the pool image (read-only, DAX); not /, "
            + "no . or .. segments.")
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
