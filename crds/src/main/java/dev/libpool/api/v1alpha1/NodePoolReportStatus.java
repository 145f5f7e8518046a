package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodePoolReportStatus {
    @JsonPropertyDescription("The node this report describes (also the object's name).")
    private String nodeName;
    @JsonPropertyDescription("RFC 3339 time of the last update.")
    private String updateTime;
    @JsonPropertyDescription("Every pool that selects this node.")
    private List<NodePoolState> pools = new ArrayList<>();
    @JsonPropertyDescription("KSM on this node: who manages it, its knobs and what it saves and costs.")
    private NodeKsmState ksm;

    public String getNodeName() { return nodeName; }
    public void setNodeName(String nodeName) { this.nodeName = nodeName; }
    public String getUpdateTime() { return updateTime; }
    public void setUpdateTime(String updateTime) { this.updateTime = updateTime; }
    public List<NodePoolState> getPools() { return pools; }
    public void setPools(List<NodePoolState> pools) { this.pools = pools; }
    public NodeKsmState getKsm() { return ksm; }
    public void setKsm(NodeKsmState ksm) { this.ksm = ksm; }
}
