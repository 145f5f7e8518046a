package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** KSM on one node: who manages it, the values in force, and its saving and cost. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeKsmState {
    @JsonPropertyDescription("The policy in force on this node.")
    private KsmSpec.KsmPolicy policy;
    @JsonPropertyDescription("The pool whose policy is in force.")
    private String policyPool;
    @JsonPropertyDescription("Pools whose KSM policy was not applied because another pool's wins.")
    private List<String> overriddenPools = new ArrayList<>();
    @JsonPropertyDescription("Managed, Unmanaged, Conflict (another manager owns KSM), Unsupported or Failed.")
    private String state;
    @JsonPropertyDescription("CamelCase reason, e.g. KubeVirtKsmHandler.")
    private String reason;
    @JsonPropertyDescription("What happened and how to hand over or fix it.")
    private String message;
    @JsonPropertyDescription("The values read from sysfs (run, pages_to_scan, pages_sharing, general_profit, ...).")
    private Map<String, Long> sysfs;
    @JsonPropertyDescription("Bytes KSM saves: general_profit where the kernel has it, else (pages_sharing) x page size.")
    private Long profitBytes;
    @JsonPropertyDescription("CPU seconds the ksmd thread has used since boot.")
    private Double ksmdCpuSeconds;

    public KsmSpec.KsmPolicy getPolicy() { return policy; }
    public void setPolicy(KsmSpec.KsmPolicy policy) { this.policy = policy; }
    public String getPolicyPool() { return policyPool; }
    public void setPolicyPool(String policyPool) { this.policyPool = policyPool; }
    public List<String> getOverriddenPools() { return overriddenPools; }
    public void setOverriddenPools(List<String> overriddenPools) { this.overriddenPools = overriddenPools; }
    public String getState() { return state; }
    public void setState(String state) { this.state = state; }
    public String getReason() { return reason; }
    public void setReason(String reason) { this.reason = reason; }
    public String getMessage() { return message; }
    public void setMessage(String message) { this.message = message; }
    public Map<String, Long> getSysfs() { return sysfs; }
    public void setSysfs(Map<String, Long> sysfs) { this.sysfs = sysfs; }
    public Long getProfitBytes() { return profitBytes; }
    public void setProfitBytes(Long profitBytes) { this.profitBytes = profitBytes; }
    public Double getKsmdCpuSeconds() { return ksmdCpuSeconds; }
    public void setKsmdCpuSeconds(Double ksmdCpuSeconds) { this.ksmdCpuSeconds = ksmdCpuSeconds; }
}
