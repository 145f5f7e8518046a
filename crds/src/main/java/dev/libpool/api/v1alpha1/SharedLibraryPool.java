package dev.libpool.api.v1alpha1;

import io.fabric8.crd.generator.annotation.PrinterColumn;
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
public class SharedLibraryPool extends CustomResource<SharedLibraryPoolSpec, SharedLibraryPoolStatus> {
    public static final String GROUP = "libpool.dev";
    public static final String VERSION = "v1alpha1";
    /** The label a VirtualMachine carries to opt into a pool: {@code libpool.dev/pool: <pool name>}. */
    public static final String VM_POOL_LABEL = GROUP + "/pool";

    @Override
    protected SharedLibraryPoolSpec initSpec() {
        return new SharedLibraryPoolSpec();
    }

    @Override
    protected SharedLibraryPoolStatus initStatus() {
        return new SharedLibraryPoolStatus();
    }
}
