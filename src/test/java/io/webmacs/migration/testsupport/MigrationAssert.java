package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.api.model.Condition;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.contract.Conditions;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;

/** Assertions on what a user sees of a DatabaseMigration: its conditions, revision and last run. */
public final class MigrationAssert extends AbstractAssert<MigrationAssert, DatabaseMigration> {

    private MigrationAssert(DatabaseMigration actual) {
        super(actual, MigrationAssert.class);
    }

    public static MigrationAssert assertThatMigration(DatabaseMigration migration) {
        return new MigrationAssert(migration);
    }

    public MigrationAssert isReady() {
        return has(Conditions.READY, "True", Conditions.UP_TO_DATE).has(Conditions.RECONCILING, "False", null)
                .has(Conditions.STALLED, "False", null).isCurrent();
    }

    public MigrationAssert isStalled(String reason) {
        return has(Conditions.STALLED, "True", reason).has(Conditions.READY, "False", reason)
                .has(Conditions.RECONCILING, "False", null).isCurrent();
    }

    public MigrationAssert isReconciling(String reason) {
        return has(Conditions.RECONCILING, "True", reason).has(Conditions.READY, "False", reason).isCurrent();
    }

    /** The operator has written no status yet: the resource as it is right after it was applied. */
    public MigrationAssert isUnobserved() {
        isNotNull();
        if (status() != null && !status().getConditions().isEmpty()) {
            failWithMessage("expected no status written by the operator yet but the status is %s", describe());
        }
        return this;
    }

    /** Drifted is {@code value} ("True", "False" or "Unknown") for {@code reason}. */
    public MigrationAssert isDrifted(String value, String reason) {
        return has(Conditions.DRIFTED, value, reason);
    }

    /** No drift check reports anything: spec.driftCheck is off. */
    public MigrationAssert hasNoDriftCondition() {
        isNotNull();
        if (condition(Conditions.DRIFTED).isPresent() || status().getDrift() != null) {
            failWithMessage("expected no Drifted condition and no status.drift but the status is %s", describe());
        }
        return this;
    }

    public MigrationAssert hasRevision(String revision) {
        isNotNull();
        if (!revision.equals(status().getRevision())) {
            failWithMessage("expected revision %s but was %s (status %s)", revision, status().getRevision(), describe());
        }
        return this;
    }

    public MigrationAssert hasMessageContaining(String text) {
        String message = condition(Conditions.READY).map(Condition::getMessage).orElse("");
        if (!message.contains(text)) {
            failWithMessage("expected the Ready message to contain <%s> but was <%s>", text, message);
        }
        return this;
    }

    /** The status describes the current generation. */
    public MigrationAssert isCurrent() {
        Long generation = actual.getMetadata().getGeneration();
        if (generation != null && !generation.equals(status().getObservedGeneration())) {
            failWithMessage("expected observedGeneration %s but was %s", generation, status().getObservedGeneration());
        }
        return this;
    }

    private MigrationAssert has(String type, String value, String reason) {
        isNotNull();
        Optional<Condition> condition = condition(type);
        if (condition.isEmpty() || !value.equals(condition.get().getStatus())
                || (reason != null && !reason.equals(condition.get().getReason()))) {
            failWithMessage("expected %s=%s%s but the status is %s", type, value, reason == null ? "" : " (" + reason + ")", describe());
        }
        return this;
    }

    private Optional<Condition> condition(String type) {
        return status() == null ? Optional.empty()
                : status().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    private DatabaseMigrationStatus status() {
        return actual.getStatus();
    }

    private String describe() {
        DatabaseMigrationStatus status = status();
        if (status == null) {
            return "absent";
        }
        StringBuilder text = new StringBuilder("revision=" + status.getRevision() + " target=" + status.getTargetRevision());
        status.getConditions().forEach(c -> text.append(" ").append(c.getType()).append('=').append(c.getStatus())
                .append('(').append(c.getReason()).append(": ").append(c.getMessage()).append(')'));
        return text.toString();
    }
}
