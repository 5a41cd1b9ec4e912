package io.webmacs.migration.cli.wait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.CurrentCondition;
import io.webmacs.migration.contract.ErrorMessages;
import java.util.List;
import java.util.Map;

/**
 * What one look at a DatabaseMigration says to someone waiting for it. A status or condition counts only for the
 * generation it observed, so the previous generation's Ready=True right after an apply is not taken for Ready.
 *
 * @param generation metadata.generation, null when not found
 * @param seen what was seen, on one line, for progress and timeout messages
 * @param drift the Drifted condition's message when the last drift check found differences (a warning, not a failure)
 */
public record MigrationReadiness(State state, Long generation, String revision, String reason, String message, String seen, String drift) {

    public enum State { READY, STALLED, IN_PROGRESS, NOT_FOUND }

    static MigrationReadiness of(GenericKubernetesResource migration) {
        if (migration == null) {
            return new MigrationReadiness(State.NOT_FOUND, null, null, null, null, "not found", null);
        }
        Long generation = migration.getMetadata().getGeneration();
        String revision = migration.get("status", "revision");
        Long observed = number(migration.get("status", "observedGeneration"));
        if (observed == null || !observed.equals(generation)) {
            // Generation 0 is the CRD's default status: the operator has written none yet.
            boolean none = observed == null || observed == 0;
            return inProgress(generation, revision, "generation " + generation + " not observed yet ("
                    + (none ? "no status" : "status is for generation " + observed) + ")");
        }
        Map<String, Object> ready = condition(migration, Conditions.READY);
        Map<String, Object> stalled = condition(migration, Conditions.STALLED);
        Map<String, Object> reconciling = condition(migration, Conditions.RECONCILING);
        if (CurrentCondition.isTrue(generation, migration.get("status"), ready)) {
            // Drift is reported whatever generation the last check ran for: it describes the schema, not the spec.
            Map<String, Object> drifted = condition(migration, Conditions.DRIFTED);
            boolean isDrifted = CurrentCondition.holds(drifted);
            return reported(State.READY, generation, revision, Conditions.READY, ready)
                    .withDrift(isDrifted ? ErrorMessages.oneLine(String.valueOf(drifted.get("message"))) : null);
        }
        if (CurrentCondition.isTrue(generation, migration.get("status"), stalled)) {
            return reported(State.STALLED, generation, revision, Conditions.STALLED, stalled);
        }
        if (CurrentCondition.isTrue(generation, migration.get("status"), reconciling)) {
            return reported(State.IN_PROGRESS, generation, revision, Conditions.RECONCILING, reconciling);
        }
        if (ready == null) {
            return inProgress(generation, revision, "no Ready condition yet");
        }
        Long readyFor = number(ready.get("observedGeneration"));
        if (readyFor != null && !readyFor.equals(generation)) {
            return inProgress(generation, revision, "generation " + generation + " not observed yet (Ready is for generation "
                    + readyFor + ")");
        }
        return reported(State.IN_PROGRESS, generation, revision, "not Ready", ready);
    }

    /** Ready or Stalled: waiting longer changes nothing. */
    boolean finished() {
        return state == State.READY || state == State.STALLED;
    }

    private static MigrationReadiness inProgress(Long generation, String revision, String seen) {
        return new MigrationReadiness(State.IN_PROGRESS, generation, revision, null, null, seen, null);
    }

    /** A state as a condition reports it: {@code Stalled: ChangesetFailed: Job ... failed: ...}. */
    private static MigrationReadiness reported(State state, Long generation, String revision, String label,
            Map<String, Object> condition) {
        String reason = (String) condition.get("reason");
        String message = condition.get("message") == null ? null : ErrorMessages.oneLine((String) condition.get("message"));
        String seen = label + ": " + reason + (message == null ? "" : ": " + message);
        return new MigrationReadiness(state, generation, revision, reason, message, seen, null);
    }

    private MigrationReadiness withDrift(String drift) {
        return new MigrationReadiness(state, generation, revision, reason, message, seen, drift);
    }

    private static Map<String, Object> condition(GenericKubernetesResource migration, String type) {
        List<Map<String, Object>> conditions = migration.get("status", "conditions");
        if (conditions == null) {
            return null;
        }
        return conditions.stream().filter(c -> type.equals(c.get("type"))).findFirst().orElse(null);
    }

    private static Long number(Object value) {
        return value instanceof Number n ? n.longValue() : null;
    }
}
