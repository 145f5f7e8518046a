package dev.libpool.e2e.demo;

import java.util.List;

/**
 * When a mode's figures for the guests that are ready have settled, so the next guest may start. Without
 * KSM, memory settles within seconds of the workload being up; with KSM, the saving grows as ksmd scans,
 * so the demo waits until ksmd has completed a whole pass over memory that added (almost) nothing.
 */
final class Settling {

    /** Samples of a few seconds show whether the footprint still moves. */
    static final int MIN_SAMPLES = 3;
    /** A footprint that varies less than this over {@link #MIN_SAMPLES} samples has settled. */
    static final long STABLE_FOOTPRINT_BYTES = 4L << 20;
    /** Without KSM there is nothing to wait for longer than this. */
    static final long MAX_WAIT_WITHOUT_KSM_MILLIS = 12_000;
    /** A ksmd pass that merged less than this gained nothing worth waiting for. */
    static final long KSM_PASS_GAIN_BYTES = 1L << 20;

    private final long maxWaitWithKsmMillis;

    /** @param maxWaitWithKsmMillis the most to wait for KSM after a guest is ready */
    Settling(long maxWaitWithKsmMillis) {
        this.maxWaitWithKsmMillis = maxWaitWithKsmMillis;
    }

    /** Why the samples since the latest guest became ready count as settled; null while they do not. */
    String settled(Mode mode, List<Sample> sinceReady) {
        if (sinceReady.size() < MIN_SAMPLES) {
            return null;
        }
        Sample first = sinceReady.get(0);
        Sample last = sinceReady.get(sinceReady.size() - 1);
        long waited = last.timeMillis() - first.timeMillis();
        if (mode.usesKsm()) {
            if (lastKsmPassGainedNothing(sinceReady)) {
                return "KSM converged (ksmd's last full pass merged < 1 MiB more)";
            }
            return waited >= maxWaitWithKsmMillis ? "KSM still merging after " + waited / 1000 + " s; moving on" : null;
        }
        List<Sample> recent = sinceReady.subList(sinceReady.size() - MIN_SAMPLES, sinceReady.size());
        long min = recent.stream().mapToLong(Sample::footprintBytes).min().orElseThrow();
        long max = recent.stream().mapToLong(Sample::footprintBytes).max().orElseThrow();
        if (max - min < STABLE_FOOTPRINT_BYTES) {
            return "memory stable";
        }
        return waited >= MAX_WAIT_WITHOUT_KSM_MILLIS ? "memory still moving after " + waited / 1000 + " s; moving on"
                : null;
    }

    /**
     * True once ksmd completed at least two passes since ready (merging needs one pass to find candidates
     * and one to merge them) and the profit grew by less than {@link #KSM_PASS_GAIN_BYTES} during the last
     * complete pass.
     */
    private static boolean lastKsmPassGainedNothing(List<Sample> sinceReady) {
        Sample last = sinceReady.get(sinceReady.size() - 1);
        if (last.ksmFullScans() - sinceReady.get(0).ksmFullScans() < 2) {
            return false;
        }
        Sample passStart = sinceReady.stream()
                .filter(s -> s.ksmFullScans() >= last.ksmFullScans() - 1)
                .findFirst()
                .orElseThrow();
        return last.ksmProfitBytes() - passStart.ksmProfitBytes() < KSM_PASS_GAIN_BYTES;
    }
}
