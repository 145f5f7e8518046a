package dev.libpool.node.ksm;

import java.io.IOException;
import java.util.Optional;

/**
 * Puts back the KSM values saved before libpool's first change, then deletes the saved copy. Knobs the kernel
 * refuses to change while pages are merged (merge_across_nodes, max_page_sharing) stay saved for a later
 * attempt instead of forcing an unmerge.
 */
class OriginalsRestorer {
    /** What a restore did: nothing saved, everything restored, or restored except the blocked knobs. */
    record Result(boolean hadOriginals, KsmSettings written, KsmSettings blocked) { }

    private final KsmSysfs sysfs;
    private final OriginalKnobStore store;

    OriginalsRestorer(KsmSysfs sysfs, OriginalKnobStore store) {
        this.sysfs = sysfs;
        this.store = store;
    }

    Result restore() throws IOException, KsmWriteException {
        Optional<KsmSettings> saved = store.load();
        if (saved.isEmpty()) {
            return new Result(false, KsmSettings.none(), KsmSettings.none());
        }
        KsmReading current = sysfs.read();
        KsmSettings target = saved.get();
        if (KsmKnob.ADVISOR_SCAN_TIME.equals(target.get(KsmKnob.ADVISOR_MODE))) {
            target = target.without(KsmKnob.PAGES_TO_SCAN); // the advisor sets pages_to_scan itself
        }
        KsmSettings writable = target.changedFrom(current);
        KsmSettings blocked = KsmSettings.none();
        if (current.anythingMerged()) {
            for (KsmKnob knob : KsmKnob.values()) {
                if (knob.needsNothingMerged() && writable.get(knob) != null) {
                    blocked = blocked.with(knob, writable.get(knob));
                    writable = writable.without(knob);
                }
            }
        }
        // The kernel's own earlier values: written back as they were, without the API's ranges.
        sysfs.write(writable);
        if (blocked.isEmpty()) {
            store.delete();
        } else {
            store.save(blocked);
        }
        return new Result(true, writable, blocked);
    }
}
