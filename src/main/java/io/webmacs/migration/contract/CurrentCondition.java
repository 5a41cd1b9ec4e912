package io.webmacs.migration.contract;

import java.util.Map;

/**
 * The readiness rule the operator's gate, {@code wait} and {@code approve} share: a status condition counts only for the
 * generation it was written for, so the previous generation's Ready=True right after an apply is not taken for Ready.
 */
public final class CurrentCondition {

    private static final String TRUE = "True";
    private static final String OBSERVED_GENERATION = "observedGeneration";

    private CurrentCondition() {
    }

    /**
     * Whether a condition is True for {@code generation}: its status observed that generation, and the condition, when it
     * names a generation, names that one too.
     */
    public static boolean isTrue(Long generation, Long statusObservedGeneration, String conditionStatus, Long conditionObservedGeneration) {
        return generation != null && generation.equals(statusObservedGeneration) && TRUE.equals(conditionStatus)
                && (conditionObservedGeneration == null || generation.equals(conditionObservedGeneration));
    }

    /** The same, for a status and condition read as JSON maps (a generic resource's, as the CLI reads it); null is not True. */
    public static boolean isTrue(Long generation, Map<String, Object> status, Map<String, Object> condition) {
        return status != null && condition != null && isTrue(generation, number(status.get(OBSERVED_GENERATION)),
                condition.get("status") instanceof String s ? s : null, number(condition.get(OBSERVED_GENERATION)));
    }

    /**
     * Whether a condition read as a JSON map is True, whatever generation it was written for: for a condition that is not
     * about the spec (Drifted reports the live schema); null is not True.
     */
    public static boolean holds(Map<String, Object> condition) {
        return condition != null && TRUE.equals(condition.get("status"));
    }

    private static Long number(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }
}
