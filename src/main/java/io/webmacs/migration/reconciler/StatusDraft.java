package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Blocker;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.dependent.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The status being built for one decision: it starts from the previous status and generation, takes in what was
 * observed, and ends as one decision's status, with conditions whose transition times only move when they flip.
 */
final class StatusDraft {

    final DatabaseMigration resource;
    final Instant now;
    final DatabaseMigrationStatus previous;
    final DatabaseMigrationStatus status = new DatabaseMigrationStatus();
    /** InitContainer mode: the pods' init containers run the migration; no Job is created. */
    final boolean initContainers;

    StatusDraft(DatabaseMigration resource, Instant now) {
        this.resource = resource;
        this.now = now;
        this.initContainers = resource.getSpec().runsInInitContainers();
        this.previous = resource.getStatus() == null ? new DatabaseMigrationStatus() : resource.getStatus();
        status.setObservedGeneration(generation());
        status.setRevision(previous.getRevision());
        status.setTargetRevision(previous.getTargetRevision());
        status.setLastRun(previous.getLastRun());
        status.setPlan(previous.getPlan());
        status.setHistory(new ArrayList<>(previous.getHistory()));
    }

    long generation() {
        Long generation = resource.getMetadata().getGeneration();
        return generation == null ? 0 : generation;
    }

    /** status.plan only for this input, and only while plans are made: a plan for another input approves nothing. */
    void keepPlanOf(String fingerprint) {
        PlanStatus plan = previous.getPlan();
        status.setPlan(resource.getSpec().plansFirst() && plan != null && fingerprint.equals(plan.getFingerprint()) ? plan : null);
    }

    /** Takes in what a Job reported: the revision the database is at, and the run for lastRun and history. */
    MigrationRun record(ObservedRun run, String fingerprint) {
        MigrationRun observed = observe(run, fingerprint);
        status.setLastRun(observed);
        if (run.state() != RunResult.RUNNING
                && status.getHistory().stream().noneMatch(h -> sameRun(h, observed))) {
            status.getHistory().add(0, observed);
            if (status.getHistory().size() > RunDecider.HISTORY_LIMIT) {
                status.setHistory(new ArrayList<>(status.getHistory().subList(0, RunDecider.HISTORY_LIMIT)));
            }
        }
        return observed;
    }

    /** Takes in the revision a run reported, and describes the run; a plan run is not a migration run, so no lastRun. */
    MigrationRun observe(ObservedRun run, String fingerprint) {
        MigrationResult result = run.result();
        MigrationRun observed = new MigrationRun();
        if (run.isJob()) {
            observed.setJob(run.name());
        } else {
            observed.setPod(run.name());
        }
        observed.setFingerprint(fingerprint);
        observed.setAttempt(run.attempt());
        observed.setCommand(run.command());
        observed.setResult(run.state());
        if (run.finishedAt() != null) {
            observed.setFinishedAt(run.finishedAt().toString());
        }
        if (result != null) {
            observed.setApplied(result.applied());
            observed.setRolledBack(result.rolledBack() == null || result.rolledBack().isEmpty() ? null : result.rolledBack());
            observed.setDurationMs(result.durationMs());
            if (result.revision() != null) {
                status.setRevision(result.revision());
            }
            if (result.blockedBy() != null && !result.blockedBy().isEmpty()) {
                observed.setBlockedBy(result.blockedBy().stream().map(Blocker::describe).toList());
                observed.setBlockedByOmitted(result.blockedByOmitted() == 0 ? null : result.blockedByOmitted());
            }
            if (result.error() != null) {
                observed.setErrorCode(result.error().code());
                observed.setFailedChangeset(result.error().changeset());
                observed.setMessage(result.error().message());
            }
        } else if (run.state() == RunResult.FAILED) {
            observed.setMessage("the migrate container ended without a result (exit code " + run.exitCode()
                    + "; killed, out of memory or past its deadline)");
        }
        return observed;
    }

    private static boolean sameRun(MigrationRun a, MigrationRun b) {
        return Objects.equals(a.getJob(), b.getJob()) && Objects.equals(a.getPod(), b.getPod())
                && Objects.equals(a.getAttempt(), b.getAttempt());
    }

    RunDecider.Decision ready(String message) {
        status.setConditions(ConditionSet.ready(generation(), previousConditions(), now, message));
        return new RunDecider.Decision(status, null, null);
    }

    RunDecider.Decision reconciling(String reason, String message, JobRequest request, Duration requeueAfter) {
        status.setConditions(ConditionSet.reconciling(generation(), previousConditions(), now, reason, message));
        return new RunDecider.Decision(status, request, requeueAfter);
    }

    RunDecider.Decision stalled(String reason, String message) {
        status.setConditions(ConditionSet.stalled(generation(), previousConditions(), now, reason, message));
        return new RunDecider.Decision(status, null, null);
    }

    RunDecider.Decision unchanged() {
        status.setConditions(previousConditions());
        return new RunDecider.Decision(status, null, null);
    }

    private List<Condition> previousConditions() {
        return previous.getConditions();
    }
}
