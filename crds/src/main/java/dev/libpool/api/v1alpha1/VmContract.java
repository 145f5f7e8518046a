package dev.libpool.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The names the operator writes into a VirtualMachine, the onDefineDomain hook reads from the domain and
 * the VMI, and the node daemon serves on the host. Every module takes them from here; the Python hook
 * declares its own copies, which a guest-module test compares with these.
 */
public final class VmContract {
    /** The label a VirtualMachine carries to opt into a pool: {@code libpool.dev/pool: <pool name>}. */
    public static final String POOL_LABEL = SharedLibraryPool.GROUP + "/pool";
    /** On the VM: exactly what the operator added, so removing libpool restores the VM byte for byte. */
    public static final String RECORD_ANNOTATION = SharedLibraryPool.GROUP + "/patched";
    /** On the VM template (and so on the VMI): the virtio-pmem device size in decimal bytes. */
    public static final String SIZE_ANNOTATION_PREFIX = SharedLibraryPool.GROUP + "/size-";
    /**
     * The naming rule of everything libpool adds to a VM and so to its launcher pod: a pool's volume (and disk) is
     * {@code libpool-<pool>}; every other name is {@code libpool--<what>} ({@link #ADDED_NAME_PREFIX}). A pool name
     * is a DNS label, which never starts with '-', so no added name can ever be taken for a pool's volume (the hook
     * would otherwise treat {@code ua-libpool--cloudinit} as pool "-cloudinit"), and no pool's volume can collide
     * with an added name in the pod (KubeVirt names the hook ConfigMap's pod volume after the ConfigMap).
     */
    public static final String VOLUME_PREFIX = "libpool-";
    public static final String ADDED_NAME_PREFIX = VOLUME_PREFIX + "-";
    /** The cloud-init volume (and disk) libpool adds to a VM that has none. */
    public static final String CLOUD_INIT_VOLUME = ADDED_NAME_PREFIX + "cloudinit";
    /**
     * KubeVirt's admission refuses inline cloud-init user data above this many bytes (decoded): "userdata exceeds
     * 2048 byte limit. Should use UserDataSecretRef for larger data" (kubevirt v1.9, pkg/virt-api/webhooks/
     * validating-webhook/admitters/vmi-create-admitter.go). What libpool adds must keep a VM under it.
     */
    public static final int INLINE_USER_DATA_LIMIT = 2048;
    /** KubeVirt names a disk's libvirt alias "ua-" + its volume name. */
    public static final String KUBEVIRT_ALIAS_PREFIX = "ua-";
    public static final String ALIAS_PREFIX = KUBEVIRT_ALIAS_PREFIX + VOLUME_PREFIX;

    /** A DNS label that still fits VOLUME_PREFIX + name into KubeVirt's 63-character volume name. */
    public static final int MAX_POOL_NAME = 55; // 63 - "libpool-".length(), a compile-time constant for the CRD rule
    public static final String POOL_NAME_REGEX = "^[a-z0-9]([-a-z0-9]{0," + (MAX_POOL_NAME - 2) + "}[a-z0-9])?$";
    private static final Pattern POOL_NAME = Pattern.compile(POOL_NAME_REGEX);

    /** KubeVirt's hook-sidecar annotation on the VM template: a JSON array of sidecars. */
    public static final String HOOK_SIDECARS_ANNOTATION = "hooks.kubevirt.io/hookSidecars";
    /**
     * The ConfigMap (one per namespace with pool VMs) holding the hook script under HOOK_KEY. KubeVirt mounts it into
     * the launcher pod as a volume named after the ConfigMap (kubevirt v1.9.0, pkg/virt-controller/services/
     * template.go, RenderLaunchManifest: {@code k8sv1.Volume{Name: cm.Name, ...}}), next to the hostDisk volume
     * {@code libpool-<pool>} (rendervolumes.go, handleHostDisk: {@code Name: volume.Name}): hence an added name.
     */
    public static final String HOOK_CONFIG_MAP = ADDED_NAME_PREFIX + "hook";
    /** The hook ConfigMap's name up to release 0.1, which a pool named "hook" collided with; replaced on upgrade. */
    public static final String LEGACY_HOOK_CONFIG_MAP = VOLUME_PREFIX + "hook";
    /** Every name libpool adds other than a pool's volume (each under {@link #ADDED_NAME_PREFIX}). */
    public static final List<String> ADDED_NAMES = List.of(CLOUD_INIT_VOLUME, HOOK_CONFIG_MAP);
    public static final String HOOK_KEY = "onDefineDomain.py";
    /** Where KubeVirt's sidecar-shim expects the hook binary for onDefineDomain. */
    public static final String HOOK_PATH = "/usr/bin/onDefineDomain";
    /** The hook API version the script speaks. */
    public static final String HOOK_API_VERSION = "v1alpha2";

    /**
     * On a node: it serves the pool (its daemon has published a generation), set and removed by the operator from
     * the node's report; {@code pool.libpool.dev/<pool>: "true"}. A patched VM carries a required node affinity
     * expression {@code pool.libpool.dev/<pool> In ["true"]}, so it is only scheduled where its hostDisk's
     * directory exists.
     */
    public static final String NODE_LABEL_PREFIX = "pool." + SharedLibraryPool.GROUP + "/";
    public static final String NODE_LABEL_VALUE = "true";

    /** The node daemon's state directory on the host. */
    public static final String DEFAULT_STATE_DIR = "/var/lib/libpool";
    public static final String POOLS_DIR = "pools";
    /** The stable file a VM attaches; each generation is published by rename(2) over it. */
    public static final String POOL_FILE = "pool.img";
    /**
     * KubeVirt's qemu user and group (virt-launcher runs QEMU as 107:107 in non-root VMIs, the default). virt-handler
     * chowns an existing hostDisk file to them at every VMI start unless it already is theirs
     * (pkg/virt-handler/non-root.go changeOwnershipOfHostDisks, pkg/ephemeral-disk-utils SetFileOwnership): the pool
     * file is published theirs, so that chown is a no-op instead of EPERM on an immutable file.
     */
    public static final int QEMU_UID = 107;
    public static final int QEMU_GID = 107;
    /**
     * The SELinux context of the pool mounts on SELinux nodes: the one KubeVirt's own hostDisk tests mount their tmpfs
     * with, which QEMU (container_t) may read. "none" (or empty) mounts without a context.
     */
    public static final String POOL_MOUNT_SELINUX_CONTEXT = "system_u:object_r:container_file_t:s0";

    /** erofs DAX needs the whole device 2 MiB aligned. */
    public static final long DEVICE_ALIGN = 2L << 20;
    /** Room for EROFS metadata, per-file 4 KiB rounding and the manifest on top of maxSize + 1/8. */
    private static final long DEVICE_OVERHEAD = 8L << 20;
    private static final long MAX_SIZE_LIMIT = 1L << 40;

    private VmContract() {
    }

    public static boolean isPoolName(String name) {
        return name != null && POOL_NAME.matcher(name).matches();
    }

    public static String volumeName(String pool) {
        return VOLUME_PREFIX + pool;
    }

    /** The pool whose volume this is: {@code libpool-<valid pool name>}; empty for any other name. */
    public static Optional<String> poolOfVolume(String volume) {
        return poolAfter(VOLUME_PREFIX, volume);
    }

    /** The valid pool name that follows {@code prefix} in {@code name}, if that is what the name is. */
    private static Optional<String> poolAfter(String prefix, String name) {
        if (name == null || !name.startsWith(prefix)) {
            return Optional.empty();
        }
        String pool = name.substring(prefix.length());
        return isPoolName(pool) ? Optional.of(pool) : Optional.empty();
    }

    /** The pool whose disk this libvirt alias is: {@code ua-libpool-<valid pool name>}; empty for any other. */
    public static Optional<String> poolOfAlias(String alias) {
        return alias != null && alias.startsWith(ALIAS_PREFIX) ? poolOfVolume(alias.substring(KUBEVIRT_ALIAS_PREFIX.length())) : Optional.empty();
    }

    /** Whether a VM or pod name is one libpool gives: a pool's volume or an added name ({@code libpool--*}). */
    public static boolean isLibpoolName(String name) {
        return name != null && (name.startsWith(ADDED_NAME_PREFIX) || poolOfVolume(name).isPresent());
    }

    public static String diskAlias(String pool) {
        return KUBEVIRT_ALIAS_PREFIX + volumeName(pool);
    }

    public static String nodeLabel(String pool) {
        return NODE_LABEL_PREFIX + pool;
    }

    /** The pool a node label key stands for: {@code pool.libpool.dev/<valid pool name>}; empty for any other key. */
    public static Optional<String> poolOfNodeLabel(String key) {
        return poolAfter(NODE_LABEL_PREFIX, key);
    }

    public static String sizeAnnotation(String pool) {
        return SIZE_ANNOTATION_PREFIX + pool;
    }

    /** The pool file on the host: {@code <stateDir>/pools/<pool>/pool.img}. */
    public static String poolFile(String stateDir, String pool) {
        String dir = stateDir.endsWith("/") ? stateDir.substring(0, stateDir.length() - 1) : stateDir;
        return dir + "/" + POOLS_DIR + "/" + pool + "/" + POOL_FILE;
    }

    /** spec.maxSize in whole bytes (1 byte to 1Ti). */
    public static long maxBytes(Quantity maxSize) {
        if (maxSize == null) {
            throw new IllegalArgumentException("spec.maxSize is required, e.g. 256Mi");
        }
        BigDecimal bytes = maxSize.getNumericalAmount().setScale(0, RoundingMode.CEILING);
        if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(MAX_SIZE_LIMIT)) > 0) {
            throw new IllegalArgumentException("spec.maxSize must be between 1 byte and 1Ti, got " + maxSize);
        }
        return bytes.longValueExact();
    }

    /**
     * The fixed size of every generation of the pool file, i.e. the virtio-pmem device size, from spec.maxSize
     * alone so the operator and the hook know it without the file: maxSize + 1/8 + 8 MiB, rounded up to 2 MiB.
     * The padding is a hole: it costs no memory.
     */
    public static long deviceSizeBytes(Quantity maxSize) {
        long max = maxBytes(maxSize);
        return alignUp(max + max / 8 + DEVICE_OVERHEAD);
    }

    public static long alignUp(long bytes) {
        return (bytes + DEVICE_ALIGN - 1) / DEVICE_ALIGN * DEVICE_ALIGN;
    }
}
