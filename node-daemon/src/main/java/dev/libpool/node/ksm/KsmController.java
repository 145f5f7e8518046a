package dev.libpool.node.ksm;

import dev.libpool.api.v1alpha1.KsmSpec;
import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.SharedLibraryPool;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * KSM on one node: applies the policy of the pools that select the node, never against another manager, saves
 * the node's original values before the first change and restores them when no pool asks any more, and
 * measures what KSM saves and costs. One instance per node daemon; its methods are serialised.
 */
public class KsmController {
    public static final String MANAGED = "Managed";
    public static final String UNMANAGED = "Unmanaged";
    public static final String CONFLICT = "Conflict";
    public static final String UNSUPPORTED = "Unsupported";
    public static final String FAILED = "Failed";

    private final KsmSysfs sysfs;
    private final KsmProcesses processes;
    private final OriginalKnobStore originals;
    private final OriginalsRestorer restorer;
    private final AdaptiveSchedule adaptive;
    private final KsmPaths paths;

    public KsmController(KsmPaths paths, Clock clock) {
        this.paths = paths;
        this.sysfs = new KsmSysfs(paths.sysfsKsmDir(), paths.pageSizeBytes());
        this.processes = new KsmProcesses(paths.procRoot());
        this.originals = new OriginalKnobStore(paths.originalsFile());
        this.restorer = new OriginalsRestorer(sysfs, originals);
        this.adaptive = new AdaptiveSchedule(paths.meminfo(), clock);
    }

    public KsmController(KsmPaths paths) {
        this(paths, Clock.systemUTC());
    }

    /**
     * One pass of the daemon loop: arbitrates between the pools (PoolPolicyArbiter), applies the winner's
     * policy unless another manager owns KSM, restores the saved originals when no pool asks for tuning.
     * @param kubevirtKsmConfigured whether the KubeVirt CR has spec.configuration.ksmConfiguration
     * @return the ksm part of this node's NodePoolReport
     */
    public synchronized NodeKsmState reconcile(List<SharedLibraryPool> poolsSelectingThisNode,
            Map<String, String> nodeLabels, Map<String, String> nodeAnnotations, boolean kubevirtKsmConfigured) {
        PoolPolicyArbiter.Arbitration arbitration = PoolPolicyArbiter.arbitrate(poolsSelectingThisNode);
        Optional<KsmConflict> otherManager = KsmConflictDetector.otherManager(nodeLabels, nodeAnnotations,
                kubevirtKsmConfigured, processes.ksmtunedRunning());
        if (arbitration.winner().isEmpty()) {
            return withoutPolicy(otherManager);
        }
        SharedLibraryPool winner = arbitration.winner().get();
        NodeKsmState state = enforce(winner.getSpec().getKsm(), winner.getMetadata().getName(), otherManager);
        state.setOverriddenPools(arbitration.overriddenPools());
        return state;
    }

    /**
     * Applies one policy outside of any pool (the demo, benchmarks): same checks, same saved originals; only
     * a host ksmtuned counts as another manager. Undo with {@link #restoreOriginals()}.
     */
    public synchronized NodeKsmState apply(KsmSpec spec, String requestedBy) {
        Optional<KsmConflict> otherManager = KsmConflictDetector.otherManager(Map.of(), Map.of(), false,
                processes.ksmtunedRunning());
        if (spec.getPolicy() == null || spec.getPolicy() == KsmSpec.KsmPolicy.Unmanaged) {
            return withoutPolicy(otherManager);
        }
        return enforce(spec, requestedBy, otherManager);
    }

    /** Static policy: sleep_millisecs, pages_to_scan, run=1 (e.g. 1000 pages every 20 ms). */
    public NodeKsmState applyStatic(int pagesToScan, int sleepMillisecs, String requestedBy) {
        KsmSpec spec = new KsmSpec();
        spec.setPolicy(KsmSpec.KsmPolicy.Static);
        spec.setPagesToScan(pagesToScan);
        spec.setSleepMillisecs(sleepMillisecs);
        return apply(spec, requestedBy);
    }

    /**
     * Writes back the values saved before libpool's first change and deletes the saved copy (uninstall, or no
     * pool asks for tuning). Knobs the kernel refuses to change while pages are merged (merge_across_nodes,
     * max_page_sharing) stay saved for a later attempt and the state says so.
     */
    public synchronized NodeKsmState restoreOriginals() {
        NodeKsmState state = report(KsmSpec.KsmPolicy.Unmanaged, null);
        adaptive.reset();
        try {
            OriginalsRestorer.Result result = restorer.restore();
            if (!result.hadOriginals()) {
                return withMeasurement(set(state, UNMANAGED, "NothingToRestore",
                        "libpool has not changed KSM on this node (no " + originals.file() + ")"));
            }
            if (result.blocked().isEmpty()) {
                return withMeasurement(set(state, UNMANAGED, "Restored", "restored the original KSM values"
                        + (result.written().isEmpty() ? " (already in force)" : ": " + result.written())));
            }
            return withMeasurement(set(state, FAILED, "RestoreIncomplete", "restored " + result.written()
                    + " but not " + result.blocked() + ": the kernel changes it only while no page is merged; libpool "
                    + "keeps it in " + originals.file() + " and retries; to finish now, write 2 to run (unmerges, "
                    + "may raise memory use)"));
        } catch (KsmWriteException e) {
            return withMeasurement(set(state, e.reason().state(), e.reason().conditionReason(),
                    "restoring the original KSM values failed: " + e.getMessage()));
        } catch (IOException e) {
            return withMeasurement(set(state, FAILED, "RestoreFailed", "restoring the original KSM values from "
                    + originals.file() + " failed: " + e.getMessage()));
        }
    }

    /** KSM counters, ksmd CPU seconds and the ksm_stat of every QEMU process. */
    public KsmMeasurement measure() throws IOException {
        return measure(processes.qemuPids());
    }

    /** Same, for the given processes instead of every QEMU. */
    public KsmMeasurement measure(List<Integer> pids) throws IOException {
        return new KsmMeasurement(sysfs.read(), processes.ksmdCpuSeconds(), processes.ksmStats(pids));
    }

    public KsmPaths paths() { return paths; }

    private NodeKsmState withoutPolicy(Optional<KsmConflict> otherManager) {
        NodeKsmState state = report(KsmSpec.KsmPolicy.Unmanaged, null);
        boolean saved;
        try {
            saved = originals.load().isPresent();
        } catch (IOException e) {
            return withMeasurement(set(state, FAILED, "RestoreFailed", "cannot read " + originals.file() + ": "
                    + e.getMessage()));
        }
        if (saved && otherManager.isPresent()) {
            return withMeasurement(set(state, CONFLICT, otherManager.get().reason(), "no pool asks for KSM tuning, "
                    + "but the original values saved in " + originals.file() + " are not restored while another "
                    + "manager owns KSM: " + otherManager.get().message()));
        }
        if (saved) {
            return restoreOriginals();
        }
        adaptive.reset();
        return withMeasurement(set(state, UNMANAGED, "NoPolicy", "no pool asks for KSM tuning: observing only"
                + otherManager.map(c -> " (" + c.reason() + ")").orElse("")));
    }

    private NodeKsmState enforce(KsmSpec spec, String poolName, Optional<KsmConflict> otherManager) {
        NodeKsmState state = report(spec.getPolicy(), poolName);
        if (!sysfs.available()) {
            return set(state, UNSUPPORTED, "KsmNotAvailable", "no KSM at " + sysfs.dir()
                    + ": the kernel lacks CONFIG_KSM, or the host's sysfs is not visible there");
        }
        if (otherManager.isPresent()) {
            return withMeasurement(set(state, CONFLICT, otherManager.get().reason(), otherManager.get().message()));
        }
        try {
            KsmReading current = sysfs.read();
            KsmSettings adaptiveSettings = KsmSettings.none();
            if (spec.getPolicy() == KsmSpec.KsmPolicy.Adaptive) {
                adaptiveSettings = adaptive.settings(spec, poolName);
            } else {
                adaptive.reset();
            }
            KsmDecision decision = KsmPolicyDecider.decide(spec, current, adaptiveSettings);
            switch (decision.outcome()) {
                case UNSUPPORTED:
                    return withMeasurement(set(state, UNSUPPORTED, decision.reason(), decision.message()));
                case INVALID:
                    return withMeasurement(set(state, FAILED, decision.reason(), "pool " + poolName + ": "
                            + decision.message()));
                case OBSERVE:
                    return withMeasurement(set(state, UNMANAGED, decision.reason(), decision.message()));
                default:
                    break;
            }
            Optional<KsmSettings> saved = originals.load();
            boolean advisorIsOurs = saved.map(s -> KsmKnob.ADVISOR_NONE.equals(s.get(KsmKnob.ADVISOR_MODE)))
                    .orElse(false);
            Optional<KsmConflict> advisor = KsmConflictDetector.foreignAdvisor(current, decision.settings(), advisorIsOurs);
            if (advisor.isPresent()) {
                return withMeasurement(set(state, CONFLICT, advisor.get().reason(), advisor.get().message()));
            }
            KsmSettings changed = decision.settings().changedFrom(current);
            if (!changed.isEmpty()) {
                originals.recordBeforeChange(current);
            }
            sysfs.apply(changed);
            return withMeasurement(set(state, MANAGED, decision.reason(), "policy " + spec.getPolicy() + " of "
                    + poolName + ": " + decision.settings() + (changed.isEmpty() ? " (already in force)" : "")));
        } catch (KsmWriteException e) {
            return withMeasurement(set(state, e.reason().state(), e.reason().conditionReason(), "policy "
                    + spec.getPolicy() + " of " + poolName + ": " + e.getMessage()));
        } catch (IOException | IllegalArgumentException e) {
            return withMeasurement(set(state, FAILED, "ReadFailed", "policy " + spec.getPolicy() + " of " + poolName
                    + ": " + e.getMessage()));
        }
    }

    private static NodeKsmState report(KsmSpec.KsmPolicy policy, String poolName) {
        NodeKsmState state = new NodeKsmState();
        state.setPolicy(policy);
        state.setPolicyPool(poolName);
        return state;
    }

    private static NodeKsmState set(NodeKsmState state, String value, String reason, String message) {
        state.setState(value);
        state.setReason(reason);
        state.setMessage(message);
        return state;
    }

    /** Adds the values read now; a failed read leaves them out and does not hide the state already set. */
    private NodeKsmState withMeasurement(NodeKsmState state) {
        if (!sysfs.available()) {
            return state;
        }
        try {
            KsmReading reading = sysfs.read();
            state.setSysfs(reading.forReport());
            state.setProfitBytes(reading.profitBytes());
        } catch (IOException e) {
            state.setMessage(state.getMessage() + " (reading " + sysfs.dir() + " failed: " + e.getMessage() + ")");
        }
        processes.ksmdCpuSeconds().ifPresent(state::setKsmdCpuSeconds);
        return state;
    }
}
