package dev.libpool.e2e.demo;

import java.util.OptionalLong;

/**
 * A mode's figures with {@code guests} guests ready, taken from the last settled sample before the next
 * guest started; with 0 guests, from the idle sample before the first guest (a pool mode already holds its
 * pool there). Host-wide deltas are against that idle sample; host used counts a pool already held there
 * as growth, so every mode pays for its pool.
 *
 * @param footprintBytes      QEMU PSS plus unmapped pool pages, see {@link Sample#footprintBytes()}
 * @param savedBytes          the baseline's footprint minus this one at the same guest count; empty for the
 *                            baseline itself or when the baseline did not reach this count
 * @param savedShare          savedBytes / baseline footprint (0..1), NaN when savedBytes is empty
 * @param readyToSaving       how long after guest number {@code guests} became ready its saving existed
 */
public record GuestRow(
        int guests,
        long qemuPssBytes,
        long footprintBytes,
        long hostUsedDeltaBytes,
        long poolResidentBytes,
        long ksmProfitDeltaBytes,
        double ksmdCpuSeconds,
        OptionalLong savedBytes,
        double savedShare,
        SavingDelay readyToSaving) {
}
