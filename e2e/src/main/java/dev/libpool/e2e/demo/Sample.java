package dev.libpool.e2e.demo;

/**
 * One host-memory measurement taken while a mode runs. Host-wide figures (host used, KSM, ksmd CPU) are
 * absolute; the report subtracts the mode's first sample, taken before its first guest starts.
 *
 * @param timeMillis         wall clock (epoch ms) of the measurement
 * @param guestsStarted      guests whose QEMU had been started
 * @param guestsReady        guests that had reached userspace and run their workload
 * @param qemuPssBytes       sum of the PSS of every QEMU process of the mode
 * @param poolMappedPssBytes the part of {@code qemuPssBytes} that maps the pool file (0 without pool)
 * @param hostUsedBytes      MemTotal - MemAvailable from /proc/meminfo
 * @param poolResidentBytes  bytes of the pool's tmpfs resident in host memory (0 without pool)
 * @param ksmPagesSharing    /sys/kernel/mm/ksm/pages_sharing
 * @param ksmProfitBytes     /sys/kernel/mm/ksm/general_profit
 * @param ksmFullScans       /sys/kernel/mm/ksm/full_scans: how many passes ksmd completed
 * @param ksmdCpuSeconds     CPU time ksmd has used since it started
 * @param poolMappers        QEMUs that map the pool (0 without pool)
 * @param poolRssBytes       sum of the pool mapping's Rss over those QEMUs: with one guest, the library
 *                           bytes it touched
 */
public record Sample(
        long timeMillis,
        int guestsStarted,
        int guestsReady,
        long qemuPssBytes,
        long poolMappedPssBytes,
        long hostUsedBytes,
        long poolResidentBytes,
        long ksmPagesSharing,
        long ksmProfitBytes,
        long ksmFullScans,
        double ksmdCpuSeconds,
        int poolMappers,
        long poolRssBytes) {

    /**
     * What the mode's guests cost the host: their QEMUs' PSS plus the pool pages no QEMU maps (those are
     * resident on the pool's medium, counted by mincore, but appear in nobody's PSS). Pool pages that are mapped are already in
     * the PSS, split among the guests that map them.
     */
    public long footprintBytes() {
        return qemuPssBytes + Math.max(0, poolResidentBytes - poolMappedPssBytes);
    }

    /** True when no guest is half-booted, so the sample measures exactly {@code guestsReady} guests. */
    public boolean settled() {
        return guestsStarted == guestsReady;
    }
}
