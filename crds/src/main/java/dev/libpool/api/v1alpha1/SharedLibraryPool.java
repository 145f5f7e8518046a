package dev.libpool.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.PrinterColumnFormat;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Which guest libraries the VMs of selected nodes share from one host copy, for which VMs, and how
 * KSM is tuned for the rest. Cluster-scoped: a pool is a node-level resource that tenants' VMs opt into.
 */
@Group(SharedLibraryPool.GROUP)
@Version(SharedLibraryPool.VERSION)
@Kind("SharedLibraryPool")
@Plural("sharedlibrarypools")
@ShortNames("slp")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING, getDescription = "The status of the Ready condition.")
@AdditionalPrinterColumn(name = "Nodes Ready", jsonPath = ".status.nodes.ready", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Nodes that serve the current generation.")
@AdditionalPrinterColumn(name = "Nodes Desired", jsonPath = ".status.nodes.desired", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Nodes the pool selects that run the node daemon.")
@AdditionalPrinterColumn(name = "VMs Attached", jsonPath = ".status.vms.attached", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "Selected VMs whose running guest maps the pool.")
@AdditionalPrinterColumn(name = "Pending Restart", jsonPath = ".status.vms.pendingRestart",
        type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "VMs patched for the pool that attach at their next restart (KubeVirt applies template changes then).")
@AdditionalPrinterColumn(name = "Refused", jsonPath = ".status.vms.refused", type = AdditionalPrinterColumn.Type.INTEGER,
        getDescription = "VMs that ask for the pool but are not patched: status.vms.refusals says why.")
@AdditionalPrinterColumn(name = "Saved", jsonPath = ".status.savedBytes", type = AdditionalPrinterColumn.Type.INTEGER,
        format = PrinterColumnFormat.INT64, getDescription = "Host bytes saved on all nodes.")
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// A VM attaches the pool as volume "libpool-<name>", which must be a DNS label (63 characters, no dots).
@ValidationRule(value = "size(self.metadata.name) <= " + SharedLibraryPool.MAX_NAME_LENGTH,
        message = "metadata.name must be at most " + SharedLibraryPool.MAX_NAME_LENGTH + " characters (VMs get a "
                + "volume named libpool-<name>, a DNS label): "
                + "choose a shorter name")
@ValidationRule(value = "!self.metadata.name.contains('.')",
        message = "metadata.name must not contain dots (VMs get a volume named libpool-<name>, a DNS label): "
                + "use dashes instead")
public class SharedLibraryPool extends CustomResource<SharedLibraryPoolSpec, SharedLibraryPoolStatus> {
    public static final String GROUP = "libpool.dev";
    public static final String VERSION = "v1alpha1";
    /** 63 (DNS label) minus the length of the VM volume prefix "libpool-" (see {@link VmContract}). */
    public static final int MAX_NAME_LENGTH = VmContract.MAX_POOL_NAME;

    @Override
    protected SharedLibraryPoolSpec initSpec() {
        return new SharedLibraryPoolSpec();
    }

    @Override
    protected SharedLibraryPoolStatus initStatus() {
        return new SharedLibraryPoolStatus();
    }
}
