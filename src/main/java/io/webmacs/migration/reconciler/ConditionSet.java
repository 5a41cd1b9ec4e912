package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.webmacs.migration.contract.Conditions;
import java.time.Instant;
import java.util.List;

/**
 * The three kstatus conditions for one observation, and Drifted. lastTransitionTime is carried over from the previous
 * conditions unless the status flips, so an observation with nothing new writes nothing new.
 */
final class ConditionSet {

    private ConditionSet() {
    }

    static List<Condition> ready(long generation, List<Condition> previous, Instant now, String message) {
        return List.of(
                condition(Conditions.READY, true, Conditions.UP_TO_DATE, message, generation, previous, now),
                condition(Conditions.RECONCILING, false, Conditions.UP_TO_DATE, message, generation, previous, now),
                condition(Conditions.STALLED, false, Conditions.UP_TO_DATE, message, generation, previous, now));
    }

    static List<Condition> reconciling(long generation, List<Condition> previous, Instant now, String reason, String message) {
        return List.of(
                condition(Conditions.READY, false, reason, message, generation, previous, now),
                condition(Conditions.RECONCILING, true, reason, message, generation, previous, now),
                condition(Conditions.STALLED, false, reason, message, generation, previous, now));
    }

    static List<Condition> stalled(long generation, List<Condition> previous, Instant now, String reason, String message) {
        return List.of(
                condition(Conditions.READY, false, reason, message, generation, previous, now),
                condition(Conditions.RECONCILING, false, reason, message, generation, previous, now),
                condition(Conditions.STALLED, true, reason, message, generation, previous, now));
    }

    /** Drifted: True, False or Unknown (the check could not compare). */
    static Condition drifted(String value, String reason, String message, long generation, List<Condition> previous, Instant now) {
        return condition(Conditions.DRIFTED, value, reason, message, generation, previous, now);
    }

    private static Condition condition(String type, boolean status, String reason, String message, long generation,
            List<Condition> previous, Instant now) {
        return condition(type, status ? "True" : "False", reason, message, generation, previous, now);
    }

    private static Condition condition(String type, String value, String reason, String message, long generation,
            List<Condition> previous, Instant now) {
        String since = previous.stream().filter(c -> type.equals(c.getType()) && value.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime).findFirst().orElse(now.toString());
        return new ConditionBuilder().withType(type).withStatus(value).withReason(reason).withMessage(message)
                .withObservedGeneration(generation).withLastTransitionTime(since).build();
    }
}
