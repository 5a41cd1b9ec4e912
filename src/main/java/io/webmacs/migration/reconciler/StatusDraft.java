package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.api.SchemaPhase;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The status a {@link RunOutcome} leads to: it starts from the previous status and generation, takes in what the outcome
 * saw, and sets the conditions the outcome names, whose transition times only move when they flip. A pure function.
 */
final class StatusDraft {

    static final int HISTORY_LIMIT = 10;

    private StatusDraft() {
    }

    static DatabaseMigrationStatus of(DatabaseMigration resource, RunOutcome outcome, Instant now) {
        DatabaseMigrationStatus previous = previous(resource);
        RunOutcome.Seen seen = outcome.seen();
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setObservedGeneration(generation(resource));
        status.setRevision(seen.revision());
        status.setContractPending(seen.contractPending().isEmpty() ? null : seen.contractPending());
        status.setPhase(phase(resource, seen));
        status.setTargetRevision(seen.targetRevision());
        status.setPlan(seen.plan());
        status.setLastRun(seen.run() == null ? previous.getLastRun() : seen.run());
        status.setHistory(history(previous.getHistory(), seen.run()));
        status.setConditions(conditions(outcome, generation(resource), previous.getConditions(), now.truncatedTo(ChronoUnit.SECONDS)));
        return status;
    }

    /** The status the resource has; an empty one before the operator wrote any. */
    static DatabaseMigrationStatus previous(DatabaseMigration resource) {
        return resource.getStatus() == null ? new DatabaseMigrationStatus() : resource.getStatus();
    }

    /** Around a rollout: whether the schema at the database's revision still serves the previous application. */
    private static SchemaPhase phase(DatabaseMigration resource, RunOutcome.Seen seen) {
        if (!resource.getSpec().contractsAfterRollout() || seen.revision() == null) {
            return null;
        }
        return seen.contractPending().isEmpty() ? SchemaPhase.Contracted : SchemaPhase.Expanded;
    }

    private static long generation(DatabaseMigration resource) {
        Long generation = resource.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }

    /** The runs, newest first: a finished run is added once, and the oldest go past {@value #HISTORY_LIMIT}. */
    private static List<MigrationRun> history(List<MigrationRun> previous, MigrationRun run) {
        List<MigrationRun> history = new ArrayList<>(previous);
        if (run != null && run.getResult() != RunResult.RUNNING && history.stream().noneMatch(h -> sameRun(h, run))) {
            history.add(0, run);
        }
        return history.size() > HISTORY_LIMIT ? new ArrayList<>(history.subList(0, HISTORY_LIMIT)) : history;
    }

    private static boolean sameRun(MigrationRun a, MigrationRun b) {
        return Objects.equals(a.getJob(), b.getJob()) && Objects.equals(a.getPod(), b.getPod())
                && Objects.equals(a.getAttempt(), b.getAttempt());
    }

    private static List<Condition> conditions(RunOutcome outcome, long generation, List<Condition> previous, Instant now) {
        return switch (outcome.state()) {
            case READY -> ConditionSet.ready(generation, previous, now, outcome.message());
            case RECONCILING -> ConditionSet.reconciling(generation, previous, now, outcome.reason(), outcome.message());
            case STALLED -> ConditionSet.stalled(generation, previous, now, outcome.reason(), outcome.message());
            case UNCHANGED -> previous;
        };
    }
}
