package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/** The kernel's scan-time advisor: advisor_mode=scan-time and its advisor_* knobs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.minPagesToScan) || !has(self.maxPagesToScan) || self.minPagesToScan <= self.maxPagesToScan",
        message = "ksm.advisor.minPagesToScan must not exceed ksm.advisor.maxPagesToScan: lower minPagesToScan "
                + "or raise maxPagesToScan")
public class KsmAdvisorSpec {
    @Default("200")
    @Min(1)
    @Max(3600)
    @JsonPropertyDescription("advisor_target_scan_time: seconds one full scan should take.")
    private Integer targetScanTimeSeconds = 200;

    @Default("70")
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("advisor_max_cpu: the most CPU percent ksmd may use.")
    private Integer maxCpuPercent = 70;

    @Min(1)
    @JsonPropertyDescription("advisor_min_pages_to_scan (kernel default 500).")
    private Integer minPagesToScan;

    @Min(1)
    @JsonPropertyDescription("advisor_max_pages_to_scan (kernel default 30000).")
    private Integer maxPagesToScan;

    public Integer getTargetScanTimeSeconds() { return targetScanTimeSeconds; }
    public void setTargetScanTimeSeconds(Integer targetScanTimeSeconds) { this.targetScanTimeSeconds = targetScanTimeSeconds; }
    public Integer getMaxCpuPercent() { return maxCpuPercent; }
    public void setMaxCpuPercent(Integer maxCpuPercent) { this.maxCpuPercent = maxCpuPercent; }
    public Integer getMinPagesToScan() { return minPagesToScan; }
    public void setMinPagesToScan(Integer minPagesToScan) { this.minPagesToScan = minPagesToScan; }
    public Integer getMaxPagesToScan() { return maxPagesToScan; }
    public void setMaxPagesToScan(Integer maxPagesToScan) { this.maxPagesToScan = maxPagesToScan; }
}
