package dev.libpool.node.ksm;

import java.util.Map;
import java.util.Optional;

/**
 * Finds another manager of KSM on a node, so libpool never fights it. Pure; checked before any write.
 * <ul>
 * <li>KubeVirt's KSM handler (virt-handler): it labels the nodes its KubeVirt CR's
 * spec.configuration.ksmConfiguration.nodeLabelSelector selects with kubevirt.io/ksm-enabled=true, and
 * annotates kubevirt.io/ksm-handler-managed=true while it has KSM running. A node counts as KubeVirt's when
 * either says "true", or when the CR has a ksmConfiguration and the node is not (yet) labelled
 * kubevirt.io/ksm-enabled=false — virt-handler may not have labelled a new node yet.</li>
 * <li>ksmtuned running on the host.</li>
 * <li>The kernel's scan-time advisor switched on by someone else while the policy needs pages_to_scan, which
 * the kernel refuses in that mode (EINVAL).</li>
 * </ul>
 */
public final class KsmConflictDetector {
    public static final String KSM_ENABLED_LABEL = "kubevirt.io/ksm-enabled";
    public static final String KSM_HANDLER_MANAGED_ANNOTATION = "kubevirt.io/ksm-handler-managed";

    private static final String KUBEVIRT_HANDOVER = "libpool writes nothing while KubeVirt's KSM handler owns KSM. "
            + "To hand KSM over to libpool, remove spec.configuration.ksmConfiguration from the KubeVirt CR (or make its "
            + "nodeLabelSelector exclude this node, which virt-handler then labels kubevirt.io/ksm-enabled=false); to "
            + "keep KubeVirt's handler, set spec.ksm.policy: Unmanaged on the pool";

    private KsmConflictDetector() { }

    /** Conflicts with other managers that hold whatever libpool would write (KubeVirt, ksmtuned). */
    public static Optional<KsmConflict> otherManager(Map<String, String> nodeLabels, Map<String, String> nodeAnnotations,
            boolean kubevirtKsmConfigured, boolean ksmtunedRunning) {
        String enabled = nodeLabels == null ? null : nodeLabels.get(KSM_ENABLED_LABEL);
        String managed = nodeAnnotations == null ? null : nodeAnnotations.get(KSM_HANDLER_MANAGED_ANNOTATION);
        if ("true".equals(enabled)) {
            return Optional.of(new KsmConflict("KubeVirtKsmHandler", "the node is labelled " + KSM_ENABLED_LABEL
                    + "=true: " + KUBEVIRT_HANDOVER));
        }
        if ("true".equals(managed)) {
            return Optional.of(new KsmConflict("KubeVirtKsmHandler", "the node is annotated "
                    + KSM_HANDLER_MANAGED_ANNOTATION + "=true: " + KUBEVIRT_HANDOVER));
        }
        if (kubevirtKsmConfigured && !"false".equals(enabled)) {
            return Optional.of(new KsmConflict("KubeVirtKsmHandler", "the KubeVirt CR has "
                    + "spec.configuration.ksmConfiguration and the node is not labelled " + KSM_ENABLED_LABEL
                    + "=false: " + KUBEVIRT_HANDOVER));
        }
        if (ksmtunedRunning) {
            return Optional.of(new KsmConflict("HostKsmtuned", "ksmtuned runs on the host and retunes KSM itself: "
                    + "libpool writes nothing. To hand KSM over to libpool, stop it on the host (systemctl disable --now "
                    + "ksmtuned); to keep ksmtuned, set spec.ksm.policy: Unmanaged on the pool"));
        }
        return Optional.empty();
    }

    /**
     * The settings would switch off a scan-time advisor that libpool did not switch on.
     * @param advisorIsOurs whether libpool's saved originals show advisor_mode=none, i.e. libpool switched it on
     */
    public static Optional<KsmConflict> foreignAdvisor(KsmReading current, KsmSettings desired, boolean advisorIsOurs) {
        boolean switchesOff = KsmKnob.ADVISOR_NONE.equals(desired.get(KsmKnob.ADVISOR_MODE)) && current.advisorActive();
        if (!switchesOff || advisorIsOurs) {
            return Optional.empty();
        }
        return Optional.of(new KsmConflict("KernelAdvisorActive", "the kernel's scan-time advisor is on "
                + "(advisor_mode=scan-time, not set by libpool) and the kernel refuses pages_to_scan while it is: "
                + "libpool writes nothing. To hand over, write none to advisor_mode on the host, or use "
                + "spec.ksm.policy: Advisor or Unmanaged on the pool"));
    }
}
