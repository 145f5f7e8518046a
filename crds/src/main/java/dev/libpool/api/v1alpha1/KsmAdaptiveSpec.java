package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A memory-pressure loop in the spirit of ksmtuned and KubeVirt's KSM handler, whose values are the defaults:
 * under pressure pages_to_scan grows by boostPages, otherwise it shrinks by decayPages, within
 * [minPages, maxPages]; sleep = sleepBaseMillisecs x 16 GiB / memory in use, at least minSleepMillisecs.
 */
@ValidationRule(value = "self.minPages <= self.maxPages",
        message = "ksm.adaptive.minPages must not exceed ksm.adaptive.maxPages (default 1250): lower minPages or "
                + "raise maxPages")
public class KsmAdaptiveSpec {
    @Default("20")
    @Min(1)
    @Max(99)
    @JsonPropertyDescription("Pressure means MemAvailable <= this percent of MemTotal.")
    private Integer freePercent = 20;

    @Default("300")
    @Min(1)
    @Max(100000)
    @JsonPropertyDescription("Pages added to pages_to_scan per interval under pressure.")
    private Integer boostPages = 300;

    @Default("50")
    @Min(1)
    @Max(100000)
    @JsonPropertyDescription("Pages taken from pages_to_scan per interval without pressure.")
    private Integer decayPages = 50;

    @Default("64")
    @Min(1)
    @JsonPropertyDescription("Lower bound of pages_to_scan.")
    private Integer minPages = 64;

    @Default("1250")
    @Min(1)
    @Max(100000)
    @JsonPropertyDescription("Upper bound of pages_to_scan.")
    private Integer maxPages = 1250;

    @Default("100")
    @Min(1)
    @Max(60000)
    @JsonPropertyDescription("sleep_millisecs when 16 GiB are in use; scaled by 16 GiB / memory in use "
            + "(more memory to scan, shorter sleeps).")
    private Integer sleepBaseMillisecs = 100;

    @Default("10")
    @Min(1)
    @Max(60000)
    @JsonPropertyDescription("Floor of sleep_millisecs.")
    private Integer minSleepMillisecs = 10;

    @Default("60")
    @Min(5)
    @Max(3600)
    @JsonPropertyDescription("Seconds between two evaluations.")
    private Integer intervalSeconds = 60;

    public Integer getFreePercent() { return freePercent; }
    public void setFreePercent(Integer freePercent) { this.freePercent = freePercent; }
    public Integer getBoostPages() { return boostPages; }
    public void setBoostPages(Integer boostPages) { this.boostPages = boostPages; }
    public Integer getDecayPages() { return decayPages; }
    public void setDecayPages(Integer decayPages) { this.decayPages = decayPages; }
    public Integer getMinPages() { return minPages; }
    public void setMinPages(Integer minPages) { this.minPages = minPages; }
    public Integer getMaxPages() { return maxPages; }
    public void setMaxPages(Integer maxPages) { this.maxPages = maxPages; }
    public Integer getSleepBaseMillisecs() { return sleepBaseMillisecs; }
    public void setSleepBaseMillisecs(Integer sleepBaseMillisecs) { this.sleepBaseMillisecs = sleepBaseMillisecs; }
    public Integer getMinSleepMillisecs() { return minSleepMillisecs; }
    public void setMinSleepMillisecs(Integer minSleepMillisecs) { this.minSleepMillisecs = minSleepMillisecs; }
    public Integer getIntervalSeconds() { return intervalSeconds; }
    public void setIntervalSeconds(Integer intervalSeconds) { this.intervalSeconds = intervalSeconds; }
}
