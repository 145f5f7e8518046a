package dev.libpool.guest;

import dev.libpool.api.v1alpha1.VmContract;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the guest bootstrap needs for one pool: its name, where the guest mounts it, and whether
 * to add {@code swiotlb=noforce} to the guest kernel command line for the next boot.
 *
 * @param pool           the SharedLibraryPool name (a DNS label of at most 55 characters)
 * @param guestMountPath absolute guest directory the pool is mounted under (spec.attach.guestMountPath)
 * @param swiotlbNoforce let the bootstrap add {@code swiotlb=noforce} for the next boot (off by default)
 */
public record GuestSetup(String pool, String guestMountPath, boolean swiotlbNoforce) {

    public static final String DEFAULT_MOUNT_PATH = "/run/libpool";
    // Used unquoted in the systemd unit and the apt hook: keep it to plain path characters.
    private static final Pattern MOUNT_PATH = Pattern.compile("(/[A-Za-z0-9._-]+)+");

    public GuestSetup {
        Objects.requireNonNull(pool, "pool");
        if (!VmContract.isPoolName(pool)) {
            throw new IllegalArgumentException("pool name '" + pool + "' must be a DNS label of at most "
                    + VmContract.MAX_POOL_NAME + " characters (lower-case letters, digits, '-')");
        }
        guestMountPath = guestMountPath == null || guestMountPath.isBlank() ? DEFAULT_MOUNT_PATH : guestMountPath;
        if (guestMountPath.length() > 1 && guestMountPath.endsWith("/")) {
            guestMountPath = guestMountPath.substring(0, guestMountPath.length() - 1);
        }
        if (!MOUNT_PATH.matcher(guestMountPath).matches()) {
            throw new IllegalArgumentException("spec.attach.guestMountPath '" + guestMountPath + "' must be an "
                    + "absolute path of letters, digits, '.', '_', '-' and '/', e.g. " + DEFAULT_MOUNT_PATH);
        }
    }

    /** A pool mounted at the default path, without the swiotlb change. */
    public static GuestSetup of(String pool) {
        return new GuestSetup(pool, DEFAULT_MOUNT_PATH, false);
    }
}
