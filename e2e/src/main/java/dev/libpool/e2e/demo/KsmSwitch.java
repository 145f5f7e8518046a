package dev.libpool.e2e.demo;

import dev.libpool.api.v1alpha1.KsmSpec;
import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.node.ksm.KsmController;
import dev.libpool.node.ksm.KsmMeasurement;
import dev.libpool.node.ksm.KsmPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The demo's hold on the host's real /sys/kernel/mm/ksm, through the node daemon's KSM controller: off for
 * the modes without KSM (so QEMU's mergeable guest RAM is not merged behind the baseline's back), a fixed
 * aggressive scan rate for the KSM modes, and the host's original values back at the end. Once restored,
 * it refuses to change KSM again (a Ctrl-C restores while the main thread may still be running a mode).
 */
final class KsmSwitch {

    /** The rate of the design probe: ~200 MiB/s of scanning, converging in seconds per guest. */
    static final int PAGES_TO_SCAN = 1000;
    static final int SLEEP_MILLISECS = 20;
    static final String REQUESTED_BY = "libpool-demo";

    private final KsmController controller;
    private boolean restored;

    /** @param stateDir where the host's original KSM values are saved until restored (survives a crash) */
    KsmSwitch(Path stateDir) {
        this.controller = new KsmController(KsmPaths.defaults(stateDir));
    }

    /**
     * Sets KSM for {@code mode}; returns what was done. Without KSM on this kernel the modes that need it
     * fail; the others run, since nothing can merge behind their back.
     *
     * @throws IllegalStateException when a mode's KSM setting cannot be put in force
     */
    synchronized String setFor(Mode mode) {
        if (restored) {
            throw new IllegalStateException("the demo is stopping; KSM was restored already");
        }
        NodeKsmState state = mode.usesKsm()
                ? controller.applyStatic(PAGES_TO_SCAN, SLEEP_MILLISECS, REQUESTED_BY)
                : controller.apply(off(), REQUESTED_BY);
        boolean inForce = KsmController.MANAGED.equals(state.getState());
        if (!inForce && (mode.usesKsm() || !KsmController.UNSUPPORTED.equals(state.getState()))) {
            throw new IllegalStateException("KSM for mode " + mode.id() + ": " + state.getState() + " ("
                    + state.getReason() + "): " + state.getMessage());
        }
        return state.getMessage();
    }

    /** The KSM counters and ksmd's CPU time now (empty ksm_stat list: the demo reads no per-process stats). */
    KsmMeasurement measure() throws IOException {
        return controller.measure(List.of());
    }

    /** Writes back the host's values saved before the demo's first change; returns what happened. */
    synchronized String restore() {
        restored = true;
        NodeKsmState state = controller.restoreOriginals();
        return state.getState() + ": " + state.getMessage();
    }

    private static KsmSpec off() {
        KsmSpec spec = new KsmSpec();
        spec.setPolicy(KsmSpec.KsmPolicy.Off);
        return spec;
    }
}
