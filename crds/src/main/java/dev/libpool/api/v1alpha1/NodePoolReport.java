package dev.libpool.api.v1alpha1;

import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * What one node holds and saves: named after the node and written only by that node's daemon
 * (the Node Feature Discovery NodeFeature pattern); the operator reads these into pool status.
 */
@Group(SharedLibraryPool.GROUP)
@Version(SharedLibraryPool.VERSION)
@Kind("NodePoolReport")
@Plural("nodepoolreports")
@ShortNames("npr")
public class NodePoolReport extends CustomResource<Void, NodePoolReportStatus> {
    @Override
    protected NodePoolReportStatus initStatus() {
        return new NodePoolReportStatus();
    }
}
