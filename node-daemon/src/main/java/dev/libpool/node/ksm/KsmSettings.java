package dev.libpool.node.ksm;

import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Values for some KSM knobs, as the strings written to sysfs. Immutable. */
public final class KsmSettings {
    private static final KsmSettings NONE = new KsmSettings(new EnumMap<>(KsmKnob.class));

    private final Map<KsmKnob, String> values;

    private KsmSettings(EnumMap<KsmKnob, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    public static KsmSettings none() { return NONE; }

    public static KsmSettings of(Map<KsmKnob, String> values) {
        return values.isEmpty() ? NONE : new KsmSettings(new EnumMap<>(values));
    }

    public KsmSettings with(KsmKnob knob, String value) {
        EnumMap<KsmKnob, String> copy = values.isEmpty() ? new EnumMap<>(KsmKnob.class) : new EnumMap<>(values);
        copy.put(knob, value);
        return new KsmSettings(copy);
    }

    public KsmSettings with(KsmKnob knob, long value) { return with(knob, Long.toString(value)); }

    public KsmSettings without(KsmKnob knob) {
        if (!values.containsKey(knob)) {
            return this;
        }
        EnumMap<KsmKnob, String> copy = new EnumMap<>(values);
        copy.remove(knob);
        return of(copy);
    }

    public Map<KsmKnob, String> values() { return values; }

    public String get(KsmKnob knob) { return values.get(knob); }

    public boolean isEmpty() { return values.isEmpty(); }

    /** The entries in the order they must be written (see KsmKnob#writeRank). */
    public List<Map.Entry<KsmKnob, String>> inWriteOrder() {
        return values.entrySet().stream()
                .sorted(Comparator.comparingInt((Map.Entry<KsmKnob, String> e) -> e.getKey().writeRank(e.getValue()))
                        .thenComparing(Map.Entry::getKey))
                .collect(Collectors.toList());
    }

    /**
     * The subset of these settings whose value differs from what the kernel shows now. Every write of
     * advisor_mode makes the kernel reset pages_to_scan, so pages_to_scan stays in whenever advisor_mode changes.
     */
    public KsmSettings changedFrom(KsmReading current) {
        EnumMap<KsmKnob, String> changed = new EnumMap<>(KsmKnob.class);
        values.forEach((knob, value) -> {
            if (!value.equals(current.value(knob).orElse(null))) {
                changed.put(knob, value);
            }
        });
        if (changed.containsKey(KsmKnob.ADVISOR_MODE) && values.containsKey(KsmKnob.PAGES_TO_SCAN)) {
            changed.put(KsmKnob.PAGES_TO_SCAN, values.get(KsmKnob.PAGES_TO_SCAN));
        }
        return of(changed);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KsmSettings other && values.equals(other.values);
    }

    @Override
    public int hashCode() { return values.hashCode(); }

    @Override
    public String toString() {
        return inWriteOrder().stream().map(e -> e.getKey().fileName() + "=" + e.getValue())
                .collect(Collectors.joining(", "));
    }
}
