package dev.libpool.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;

import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Conditions keyed by type. lastTransitionTime changes only when a condition's status changes, so an
 * unchanged pool produces an identical status and no write.
 */
final class ConditionSet {
    private final Map<String, Condition> previous = new LinkedHashMap<>();
    private final Map<String, Condition> current = new LinkedHashMap<>();
    private final long observedGeneration;
    private final Clock clock;

    ConditionSet(List<Condition> previous, long observedGeneration, Clock clock) {
        if (previous != null) {
            previous.forEach(c -> this.previous.put(c.getType(), c));
        }
        this.observedGeneration = observedGeneration;
        this.clock = clock;
    }

    void set(String type, String status, String reason, String message) {
        Condition before = previous.get(type);
        String transition = before != null && Objects.equals(before.getStatus(), status)
                ? before.getLastTransitionTime()
                : DateTimeFormatter.ISO_INSTANT.format(clock.instant().truncatedTo(ChronoUnit.SECONDS));
        current.put(type, new ConditionBuilder()
                .withType(type)
                .withStatus(status)
                .withReason(reason)
                .withMessage(message)
                .withObservedGeneration(observedGeneration)
                .withLastTransitionTime(transition)
                .build());
    }

    Collection<Condition> all() {
        return current.values();
    }
}
