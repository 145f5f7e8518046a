package dev.libpool.e2e.demo;

import java.util.List;
import java.util.Optional;

/**
 * One mode's figures per guest count and its cost per extra guest.
 *
 * @param perGuestFootprintBytes least-squares slope of the footprint over 1..N guests; NaN under 2 counts
 * @param perGuestHostUsedBytes  the same slope for host used
 * @param error                  why the mode stopped early, or null
 * @param footprintAtZeroBytes   intercept of the footprint's least-squares line over 1..N guests (its fixed
 *                               part: the pool's unmapped pages, ...); NaN under 2 counts
 */
public record ModeSummary(
        Mode mode,
        List<GuestRow> rows,
        double perGuestFootprintBytes,
        double perGuestHostUsedBytes,
        String error,
        double footprintAtZeroBytes) {

    public ModeSummary {
        rows = List.copyOf(rows);
    }

    /** The footprint the mode's line gives for {@code guests} guests (an extrapolation beyond the rows). */
    public double footprintLineAt(double guests) {
        return footprintAtZeroBytes + perGuestFootprintBytes * guests;
    }

    public Optional<GuestRow> row(int guests) {
        return rows.stream().filter(r -> r.guests() == guests).findFirst();
    }

    /** The row with the most guests: the mode's headline figures. */
    public Optional<GuestRow> last() {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(rows.size() - 1));
    }
}
