package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * KSM tuning of the nodes a pool selects. Knob names follow /sys/kernel/mm/ksm.
 * When several pools ask for KSM tuning on one node, the node daemon applies one of them by a
 * documented rule and reports the others as overridden.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.policy != 'Static' || (has(self.pagesToScan) && has(self.sleepMillisecs))",
        message = "ksm.policy Static needs ksm.pagesToScan and ksm.sleepMillisecs: set both, e.g. 100 and 200")
@ValidationRule(value = "!has(self.advisor) || self.policy == 'Advisor'",
        message = "ksm.advisor is only used with ksm.policy Advisor: remove it or set the policy to Advisor")
@ValidationRule(value = "!has(self.adaptive) || self.policy == 'Adaptive'",
        message = "ksm.adaptive is only used with ksm.policy Adaptive: remove it or set the policy to Adaptive")
@ValidationRule(value = "self.policy in ['Static', 'Adaptive'] || !has(self.pagesToScan)",
        message = "ksm.pagesToScan is only used with ksm.policy Static or Adaptive (Advisor sets it itself): remove it, "
                + "or bound the advisor with ksm.advisor.minPagesToScan and maxPagesToScan")
@ValidationRule(value = "!(self.policy in ['Unmanaged', 'Off']) || !(has(self.sleepMillisecs) || has(self.mergeAcrossNodes) "
        + "|| has(self.useZeroPages) || has(self.maxPageSharing))",
        message = "ksm.policy Unmanaged and Off write no KSM knobs: remove ksm.sleepMillisecs, mergeAcrossNodes, "
                + "useZeroPages and maxPageSharing, or choose Static, Adaptive or Advisor")
public class KsmSpec {
    @Default("Unmanaged")
    @JsonPropertyDescription("Unmanaged (default): only observe and report. Off: stop ksmd (run=0; merged pages stay "
            + "merged). Static: write the given knobs. Adaptive: scan harder under memory pressure, like ksmtuned. "
            + "Advisor: the kernel's scan-time advisor (Linux 6.7+).")
    private KsmPolicy policy = KsmPolicy.Unmanaged;

    @Min(1)
    @Max(100000)
    @JsonPropertyDescription("pages_to_scan: pages ksmd scans per wake-up (Static; Adaptive uses it as the start value).")
    private Integer pagesToScan;

    @Min(1)
    @Max(60000)
    @JsonPropertyDescription("sleep_millisecs: how long ksmd sleeps between scans.")
    private Integer sleepMillisecs;

    @JsonPropertyDescription("merge_across_nodes: merge pages of different NUMA nodes. Only changeable while no page is merged.")
    private Boolean mergeAcrossNodes;

    @JsonPropertyDescription("use_zero_pages: merge empty pages with the kernel zero page.")
    private Boolean useZeroPages;

    @Min(2)
    @Max(1048576)
    @JsonPropertyDescription("max_page_sharing: how many pages may share one KSM page.")
    private Integer maxPageSharing;

    // advisor and adaptive have no schema default on purpose: the rules above use has() to tell whether the user
    // set them, and the API server applies defaults before it evaluates rules.
    @JsonPropertyDescription("Advisor policy settings.")
    private KsmAdvisorSpec advisor;

    @JsonPropertyDescription("Adaptive policy settings; defaults follow KubeVirt's KSM handler.")
    private KsmAdaptiveSpec adaptive;

    public KsmPolicy getPolicy() { return policy; }
    public void setPolicy(KsmPolicy policy) { this.policy = policy; }
    public Integer getPagesToScan() { return pagesToScan; }
    public void setPagesToScan(Integer pagesToScan) { this.pagesToScan = pagesToScan; }
    public Integer getSleepMillisecs() { return sleepMillisecs; }
    public void setSleepMillisecs(Integer sleepMillisecs) { this.sleepMillisecs = sleepMillisecs; }
    public Boolean getMergeAcrossNodes() { return mergeAcrossNodes; }
    public void setMergeAcrossNodes(Boolean mergeAcrossNodes) { this.mergeAcrossNodes = mergeAcrossNodes; }
    public Boolean getUseZeroPages() { return useZeroPages; }
    public void setUseZeroPages(Boolean useZeroPages) { this.useZeroPages = useZeroPages; }
    public Integer getMaxPageSharing() { return maxPageSharing; }
    public void setMaxPageSharing(Integer maxPageSharing) { this.maxPageSharing = maxPageSharing; }
    public KsmAdvisorSpec getAdvisor() { return advisor; }
    public void setAdvisor(KsmAdvisorSpec advisor) { this.advisor = advisor; }
    public KsmAdaptiveSpec getAdaptive() { return adaptive; }
    public void setAdaptive(KsmAdaptiveSpec adaptive) { this.adaptive = adaptive; }

    public enum KsmPolicy { Unmanaged, Off, Static, Adaptive, Advisor }
}
