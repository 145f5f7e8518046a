package dev.libpool.e2e.demo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The figures of a run, computed from its recorded samples only (so a samples.json from another machine
 * gives the same report): per mode and guest count the footprint, host used, saving against the own-disk
 * baseline, how long the saving took to appear, ksmd CPU; per mode the cost of one more guest.
 */
public final class DemoReport {

    /** KSM's saving for a guest "exists" once its gain reached this share of its final gain. */
    public static final double KSM_CONVERGED_SHARE = 0.9;
    /** A KSM gain below this within one guest's window is noise, not merging. */
    static final long MIN_KSM_GAIN_BYTES = 1L << 20;
    /** Every saving is measured against this mode. */
    public static final Mode BASELINE = Mode.OWN_DISK;

    /** One point of the saving-over-time chart, with the number of guests it measured. */
    public record TimedSaving(double seconds, int guests, long savedBytes) {
    }

    private final DemoRecord record;
    private final List<ModeSummary> summaries;

    public DemoReport(DemoRecord record) {
        this.record = record;
        Optional<ModeRun> baseline = run(record, BASELINE);
        List<ModeSummary> computed = new ArrayList<>();
        for (ModeRun run : record.runs()) {
            computed.add(summarize(run, baseline.filter(b -> b != run).map(DemoReport::steadySamples)));
        }
        this.summaries = List.copyOf(computed);
    }

    public DemoRecord record() {
        return record;
    }

    /** One summary per recorded mode, in the order they ran. */
    public List<ModeSummary> summaries() {
        return summaries;
    }

    public Optional<ModeSummary> summary(Mode mode) {
        return summaries.stream().filter(s -> s.mode() == mode).findFirst();
    }

    /**
     * The saving of {@code mode} against the baseline over time, in seconds since its first guest started:
     * one point per settled sample with at least one guest, against the baseline's footprint with as many
     * guests. Empty for the baseline itself or when it was not recorded.
     */
    public List<TimedSaving> savingOverTime(Mode mode) {
        Optional<ModeRun> run = run(record, mode);
        Optional<ModeRun> baseline = run(record, BASELINE);
        if (run.isEmpty() || baseline.isEmpty() || mode == BASELINE) {
            return List.of();
        }
        List<Sample> steady = steadySamples(baseline.get());
        List<TimedSaving> points = new ArrayList<>();
        for (Sample s : run.get().samples()) {
            if (!s.settled() || s.guestsReady() < 1 || s.guestsReady() >= steady.size()) {
                continue;
            }
            Sample base = steady.get(s.guestsReady());
            if (base != null) {
                points.add(new TimedSaving((s.timeMillis() - run.get().startMillis()) / 1000.0, s.guestsReady(),
                        base.footprintBytes() - s.footprintBytes()));
            }
        }
        return points;
    }

    /**
     * Library bytes one guest of {@code mode} touches. Own disk: the guest page cache of the libraries its
     * programs map (fincore in the guest, mean over the first boots): what the pool can take out of each guest.
     * Pool: the Rss of the pool mapping with the mode's first guest alone (host smaps). Empty when not recorded.
     */
    public OptionalLong touchedPerGuest(Mode mode) {
        Optional<ModeRun> run = run(record, mode);
        if (run.isEmpty()) {
            return OptionalLong.empty();
        }
        if (mode.usesPool()) {
            List<Sample> steady = steadySamples(run.get());
            return steady.size() > 1 && steady.get(1) != null && steady.get(1).poolMappers() == 1
                    ? OptionalLong.of(steady.get(1).poolRssBytes()) : OptionalLong.empty();
        }
        OptionalDouble mean = run.get().boots().stream().filter(b -> !b.second())
                .mapToLong(GuestBoot::libraryPageCacheBytes).average();
        return mean.isPresent() ? OptionalLong.of(Math.round(mean.getAsDouble())) : OptionalLong.empty();
    }

    /**
     * The physical limit of what a pool can save against own disk with {@code guests} guests: one copy of the
     * libraries stays, so (guests - 1) x the library page cache of one own-disk guest. Empty without a baseline.
     */
    public OptionalLong physicalLimit(int guests) {
        OptionalLong touched = touchedPerGuest(BASELINE);
        return touched.isPresent() ? OptionalLong.of(Math.max(0, guests - 1) * touched.getAsLong()) : OptionalLong.empty();
    }

    /**
     * Where {@code mode}'s footprint line falls below {@code other}'s (it grows slower): at {@code atGuests} on
     * the lines, so from {@code fromGuests} whole guests on; {@code extrapolated} when that is beyond the most
     * guests measured.
     */
    public record Crossover(Mode mode, Mode other, double atGuests, int fromGuests, boolean extrapolated) {
    }

    /** The modes each one overtakes among the references (own disk, own disk + KSM, shared-memfd RAM). */
    public List<Crossover> crossovers() {
        int measured = record.settings().guests();
        List<Crossover> list = new ArrayList<>();
        for (Mode other : List.of(Mode.OWN_DISK, Mode.OWN_DISK_KSM, Mode.MEMFD)) {
            Optional<ModeSummary> b = summary(other).filter(x -> !Double.isNaN(x.perGuestFootprintBytes()));
            for (ModeSummary a : summaries) {
                if (b.isEmpty() || a.mode() == other || Double.isNaN(a.perGuestFootprintBytes())
                        || a.perGuestFootprintBytes() >= b.get().perGuestFootprintBytes()) {
                    continue;
                }
                double at = (a.footprintAtZeroBytes() - b.get().footprintAtZeroBytes())
                        / (b.get().perGuestFootprintBytes() - a.perGuestFootprintBytes());
                int from = Math.max(1, (int) Math.floor(at) + 1);
                list.add(new Crossover(a.mode(), other, at, from, from > measured));
            }
        }
        return list;
    }

    private static Optional<ModeRun> run(DemoRecord record, Mode mode) {
        return record.runs().stream().filter(r -> r.mode() == mode).findFirst();
    }

    private static ModeSummary summarize(ModeRun run, Optional<List<Sample>> baselineSteady) {
        if (run.samples().isEmpty()) {
            return new ModeSummary(run.mode(), List.of(), Double.NaN, Double.NaN, run.error(), Double.NaN);
        }
        List<Sample> steady = steadySamples(run);
        Sample idle = idleSample(run);
        // A pool built before the idle sample is part of what the mode costs: count it as growth too.
        long idleHostUsed = idle.hostUsedBytes() - idle.poolResidentBytes();
        List<GuestRow> rows = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        List<Long> footprints = new ArrayList<>();
        List<Long> hostUsed = new ArrayList<>();
        for (int k = 0; k < steady.size(); k++) {
            Sample s = steady.get(k);
            if (s == null) {
                continue;
            }
            Optional<Sample> base = baselineAt(baselineSteady, k);
            OptionalLong saved = base.map(b -> OptionalLong.of(b.footprintBytes() - s.footprintBytes()))
                    .orElse(OptionalLong.empty());
            double share = base.filter(b -> b.footprintBytes() > 0)
                    .map(b -> (double) (b.footprintBytes() - s.footprintBytes()) / b.footprintBytes())
                    .orElse(Double.NaN);
            SavingDelay delay = k == 0 ? SavingDelay.NONE
                    : SavingDelay.of(run.mode(), run.mode().usesPool() ? poolDelaySeconds(run, k) : OptionalDouble.empty(),
                    run.mode().usesKsm() ? ksmDelaySeconds(run, k) : OptionalDouble.empty());
            rows.add(new GuestRow(k, s.qemuPssBytes(), s.footprintBytes(), s.hostUsedBytes() - idleHostUsed,
                    s.poolResidentBytes(), s.ksmProfitBytes() - idle.ksmProfitBytes(),
                    s.ksmdCpuSeconds() - idle.ksmdCpuSeconds(), saved, share, delay));
            if (k > 0) {
                counts.add(k);
                footprints.add(s.footprintBytes());
                hostUsed.add(s.hostUsedBytes());
            }
        }
        return new ModeSummary(run.mode(), rows, Slope.of(counts, footprints), Slope.of(counts, hostUsed), run.error(),
                Slope.intercept(counts, footprints));
    }

    private static Optional<Sample> baselineAt(Optional<List<Sample>> baselineSteady, int guests) {
        return baselineSteady.filter(b -> b.size() > guests).map(b -> b.get(guests));
    }

    /**
     * Index k holds the figure of k guests: for k &ge; 1 the last settled sample with exactly k guests ready
     * (after their workload, just before guest k+1 starts), for k = 0 the idle sample before the first
     * guest; null where there is none.
     */
    static List<Sample> steadySamples(ModeRun run) {
        int max = run.samples().stream().filter(Sample::settled).mapToInt(Sample::guestsReady).max().orElse(-1);
        List<Sample> steady = new ArrayList<>();
        for (int k = 0; k <= max; k++) {
            int guests = k;
            steady.add(run.samples().stream()
                    .filter(s -> s.settled() && s.guestsReady() == guests)
                    .max(Comparator.comparingLong(Sample::timeMillis))
                    .orElse(null));
        }
        return steady;
    }

    /** The host before the mode's first guest: the reference of every host-wide delta. */
    private static Sample idleSample(ModeRun run) {
        return run.samples().stream()
                .filter(s -> s.guestsStarted() == 0)
                .findFirst()
                .orElseGet(() -> run.samples().get(0));
    }

    /**
     * Seconds from guest k's ready time until k QEMUs mapped the pool (0 when they did before ready: the attach
     * mapped it during boot); empty when that never happened while k guests ran.
     */
    static OptionalDouble poolDelaySeconds(ModeRun run, int k) {
        if (run.readyMillis().size() < k) {
            return OptionalDouble.empty();
        }
        long ready = run.readyMillis().get(k - 1);
        return run.samples().stream()
                .filter(s -> s.guestsStarted() == k && s.poolMappers() >= k)
                .mapToDouble(s -> Math.max(0, s.timeMillis() - ready) / 1000.0)
                .findFirst();
    }

    /**
     * Seconds from guest k's ready time until KSM's gain for that guest reached {@link #KSM_CONVERGED_SHARE}
     * of its final value. The gain counts from before guest k started (ksmd merges while a guest boots too)
     * to the end of its window (the start of guest k+1, or the end); 0 when KSM had got there by ready;
     * empty when it gained less than {@link #MIN_KSM_GAIN_BYTES}.
     */
    static OptionalDouble ksmDelaySeconds(ModeRun run, int k) {
        if (run.readyMillis().size() < k) {
            return OptionalDouble.empty();
        }
        long ready = run.readyMillis().get(k - 1);
        List<Sample> window = run.samples().stream()
                .filter(s -> s.timeMillis() >= ready && s.guestsStarted() == k)
                .toList();
        if (window.isEmpty()) {
            return OptionalDouble.empty();
        }
        long before = run.samples().stream()
                .filter(s -> s.guestsStarted() < k)
                .max(Comparator.comparingLong(Sample::timeMillis))
                .orElse(window.get(0))
                .ksmProfitBytes();
        long gain = window.get(window.size() - 1).ksmProfitBytes() - before;
        if (gain < MIN_KSM_GAIN_BYTES) {
            return OptionalDouble.empty();
        }
        double threshold = before + KSM_CONVERGED_SHARE * gain;
        return window.stream()
                .filter(s -> s.ksmProfitBytes() >= threshold)
                .mapToDouble(s -> Math.max(0, s.timeMillis() - ready) / 1000.0)
                .findFirst();
    }
}
