package dev.libpool.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.PrinterColumnFormat;
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
// The generator orders columns by jsonPath; kubectl's JSONPath cannot count, so the pools are listed by name.
@AdditionalPrinterColumn(name = "Pools", jsonPath = ".status.pools[*].name", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The pools this node holds.")
@AdditionalPrinterColumn(name = "Pool States", jsonPath = ".status.pools[*].state", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Building, Ready or Failed, in the order of Pools.")
@AdditionalPrinterColumn(name = "KSM", jsonPath = ".status.ksm.state", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "Managed, Unmanaged, Conflict, Unsupported or Failed.")
@AdditionalPrinterColumn(name = "KSM Policy", jsonPath = ".status.ksm.policy", type = AdditionalPrinterColumn.Type.STRING,
        getDescription = "The KSM policy in force on this node.")
@AdditionalPrinterColumn(name = "KSM Profit", jsonPath = ".status.ksm.profitBytes", type = AdditionalPrinterColumn.Type.INTEGER,
        format = PrinterColumnFormat.INT64, priority = 1, getDescription = "Bytes KSM saves on this node.")
@AdditionalPrinterColumn(name = "Updated", jsonPath = ".status.updateTime", type = AdditionalPrinterColumn.Type.DATE,
        getDescription = "Time since the node daemon last wrote this report.")
public class NodePoolReport extends CustomResource<Void, NodePoolReportStatus> {
    @Override
    protected NodePoolReportStatus initStatus() {
        return new NodePoolReportStatus();
    }
}
