package io.webmacs.migration.reconciler;

import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.Plan;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.dependent.JobRequest;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.operator.ChangelogLoader;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides, from what the operator observed, the resource's status and whether a migration (or plan) Job must be
 * created. With approval.mode Manual or a policy (destructive Deny, maxBlockedTableRows), each input is planned first:
 * the plan Job is attempt 1, the migration follows as the next attempt once the plan is allowed and approved.
 * A pure function: no I/O, the clock passed in.
 */
public final class RunDecider {

    static final int HISTORY_LIMIT = 10;

    /** The status to write, the Job to create (or null), and when to look again (or null). */
    public record Decision(DatabaseMigrationStatus status, JobRequest createJob, Duration requeueAfter) {
    }

    /** How transient failures are retried. */
    public record RetryPolicy(int limit, Duration backoff, Duration maxBackoff) {

        /** The wait after failed attempt {@code attempt}: doubling from backoff, capped, plus 0-20% jitter fixed per run. */
        Duration after(int attempt, String fingerprint) {
            long base = Math.min(maxBackoff.toMillis(), backoff.toMillis() << Math.min(attempt - 1, 20));
            long jitter = Math.floorMod((fingerprint + attempt).hashCode(), 1000) * base / 5000;
            return Duration.ofMillis(base + jitter);
        }
    }

    private RunDecider() {
    }

    public static Decision decide(DatabaseMigration resource, ChangelogLoader.Loaded changelog, String fingerprint,
            List<ObservedRun> runs, RetryPolicy retry, Instant now) {
        StatusDraft draft = new StatusDraft(resource, now.truncatedTo(ChronoUnit.SECONDS));
        if (!changelog.usable()) {
            return draft.stalled(Conditions.INVALID_CHANGELOG, changelog.problem());
        }
        String target;
        try {
            target = changelog.changelog().resolve(resource.getSpec().getTargetRevision());
        } catch (MigrationException e) {
            return draft.stalled(Conditions.UNKNOWN_REVISION, e.getMessage());
        }
        draft.status.setTargetRevision(target);
        draft.keepPlanOf(fingerprint);
        List<ObservedRun> current = runs.stream().filter(r -> fingerprint.equals(r.fingerprint())).toList();
        Optional<ObservedRun> latest = draft.initContainers ? decisive(current) : current.stream().max(Comparator.comparingInt(ObservedRun::attempt));
        if (latest.isEmpty() || finishedSince(draft, fingerprint, latest.get())) {
            return firstRun(draft, changelog, fingerprint, target);
        }
        ObservedRun run = latest.get();
        if (run.state() != RunResult.RUNNING && run.resultPending()) {
            return draft.unchanged();
        }
        if (run.verb() == Verb.PLAN) {
            return planned(draft, run, changelog.file(), target, retry);
        }
        MigrationRun observed = draft.record(run, fingerprint);
        return switch (run.state()) {
            case RUNNING -> run.waitingProblem() != null
                    ? draft.stalled(Conditions.SECRET_NOT_FOUND, observed.describe() + " cannot start: " + run.waitingProblem())
                    : draft.reconciling(Conditions.MIGRATING, observed.describe() + " is migrating to " + target, null, null);
            case SUCCEEDED -> target.equals(draft.status.getRevision())
                    ? draft.ready("At " + target + "; " + applied(observed))
                    : draft.stalled(Conditions.INVALID_INPUT, observed.describe() + " succeeded but the database is at "
                            + draft.status.getRevision() + ", not " + target);
            case FAILED -> failed(draft, run, observed, changelog.file(), target, retry);
        };
    }

    /**
     * Nothing is planned or run, for {@code why}, before any Job: looked at again after {@code recheck} (or null), for
     * what the operator does not watch.
     */
    public static Decision refused(DatabaseMigration resource, String reason, String why, Duration recheck, Instant now) {
        Decision stalled = new StatusDraft(resource, now.truncatedTo(ChronoUnit.SECONDS)).stalled(reason, why);
        return new Decision(stalled.status(), null, recheck);
    }

    private static Decision firstRun(StatusDraft draft, ChangelogLoader.Loaded changelog, String fingerprint, String target) {
        MigrationRun last = draft.previous.getLastRun();
        if (last != null && fingerprint.equals(last.getFingerprint()) && last.getResult() != RunResult.RUNNING) {
            // The run for this input finished and its Job has since expired: nothing new to do.
            return last.getResult() == RunResult.SUCCEEDED && target.equals(draft.status.getRevision())
                    ? draft.ready("At " + target + "; " + applied(last))
                    : draft.unchanged();
        }
        String current = draft.status.getRevision();
        Changelog revisions = changelog.changelog();
        boolean down = current != null && revisions.position(target) < revisions.position(current);
        if (down && (draft.initContainers || !draft.resource.getSpec().isAllowDowngrade())) {
            return downgradeRefused(draft, current, target);
        }
        if (draft.initContainers) {
            return draft.reconciling(Conditions.WAITING_FOR_PODS, "The upgrade to " + target
                    + " runs in the migrate init container of the next new pod of spec.rollout", null, null);
        }
        if (draft.resource.getSpec().plansFirst()) {
            return draft.reconciling(Conditions.PLANNING, "Planning the migration to " + target,
                    new JobRequest(fingerprint, 1, Verb.PLAN, target, changelog.file()), null);
        }
        JobRequest request = new JobRequest(fingerprint, 1, down ? Verb.DOWNGRADE : Verb.UPGRADE, target, changelog.file());
        return draft.reconciling(Conditions.MIGRATING, "Starting " + request.verb().word() + " to " + target, request, null);
    }

    /**
     * The latest Job of this input is a plan Job: planning, failed like any run, or done; then the plan runs once it is
     * allowed and approved.
     */
    private static Decision planned(StatusDraft draft, ObservedRun run, String changelogFile, String target, RetryPolicy retry) {
        String fingerprint = run.fingerprint();
        MigrationRun observed = draft.observe(run, fingerprint);
        if (run.state() == RunResult.FAILED) {
            return failed(draft, run, observed, changelogFile, target, retry);
        }
        if (run.state() == RunResult.RUNNING) {
            return run.waitingProblem() != null
                    ? draft.stalled(Conditions.SECRET_NOT_FOUND, observed.describe() + " cannot start: " + run.waitingProblem())
                    : draft.reconciling(Conditions.PLANNING, observed.describe() + " is planning the migration to " + target, null, null);
        }
        Plan plan = run.result() == null ? null : run.result().plan();
        if (plan == null) {
            return draft.stalled(Conditions.INVALID_INPUT, observed.describe() + " succeeded but reported no plan");
        }
        PlanStatus status = PlanApproval.status(draft.resource, plan, run.name(), fingerprint);
        draft.status.setPlan(status);
        Verb verb = plan.direction() == Plan.Direction.DOWNGRADE ? Verb.DOWNGRADE : Verb.UPGRADE;
        if (verb == Verb.DOWNGRADE && !draft.resource.getSpec().isAllowDowngrade()) {
            return downgradeRefused(draft, plan.from(), target);
        }
        if (draft.resource.getSpec().deniesDestructive() && plan.destructive()) {
            return draft.stalled(Conditions.DESTRUCTIVE_PLAN_DENIED, PlanApproval.denied(status));
        }
        if (PlanApproval.blocksTooMuch(draft.resource, plan)) {
            return draft.stalled(Conditions.WRITE_BLOCKING_PLAN_DENIED,
                    PlanApproval.deniedWriteBlocking(status, draft.resource.getSpec().maxBlockedTableRows()));
        }
        if (!status.getApproved()) {
            return draft.reconciling(Conditions.AWAITING_APPROVAL, PlanApproval.awaiting(draft.resource, status), null, null);
        }
        return draft.reconciling(Conditions.MIGRATING, "Starting " + verb.word() + " to " + target + " as planned (plan " + plan.hash() + ")",
                new JobRequest(fingerprint, run.attempt() + 1, verb, target, changelogFile, plan.hash()), null);
    }

    /** The status names a finished run of this input later than any Job still there: that run's Job has expired. */
    private static boolean finishedSince(StatusDraft draft, String fingerprint, ObservedRun latest) {
        MigrationRun last = draft.previous.getLastRun();
        return last != null && last.getJob() != null && fingerprint.equals(last.getFingerprint()) && last.getAttempt() != null
                && last.getAttempt() > latest.attempt() && last.getResult() != RunResult.RUNNING;
    }

    private static Decision failed(StatusDraft draft, ObservedRun run, MigrationRun observed, String changelogFile, String target,
            RetryPolicy retry) {
        String fingerprint = observed.getFingerprint();
        String why = observed.describe() + " failed: " + Optional.ofNullable(observed.getMessage()).orElse("no result was reported");
        Optional<Failure> failure = run.failure();
        boolean plansFirst = draft.resource.getSpec().plansFirst();
        // The database moved between plan and run: what was approved is not what would run. Only a new plan (approved,
        // and allowed by the policy) may run, whichever way the database moved.
        if (failure.equals(Optional.of(Failure.PLAN_CHANGED)) || plansFirst && failure.equals(Optional.of(Failure.WRONG_DIRECTION))) {
            return draft.reconciling(Conditions.PLANNING, why + "; planning again",
                    new JobRequest(fingerprint, run.attempt() + 1, Verb.PLAN, target, changelogFile), null);
        }
        if (failure.equals(Optional.of(Failure.WRONG_DIRECTION))) {
            return draft.initContainers ? downgradeRefused(draft, draft.status.getRevision(), target) : wrongDirection(draft, run, fingerprint, target, changelogFile);
        }
        // A run that died without a result (killed, evicted, out of memory) is worth another attempt.
        if (!failure.map(Failure::isTransient).orElse(run.result() == null)) {
            return draft.stalled(stalledReason(failure), why);
        }
        String retrying = failure.equals(Optional.of(Failure.LOCK_NOT_AVAILABLE)) ? Conditions.WAITING_FOR_LOCK : Conditions.RETRYING;
        if (draft.initContainers) {
            return draft.reconciling(retrying, why + "; the kubelet starts it again", null, null);
        }
        if (run.attempt() > retry.limit()) {
            return draft.stalled(Conditions.RETRIES_EXHAUSTED, why + " (after " + run.attempt() + " attempts)");
        }
        Instant finished = run.finishedAt() == null ? draft.now : run.finishedAt();
        Instant due = finished.plus(retry.after(run.attempt(), fingerprint));
        String next = "; attempt " + (run.attempt() + 1) + " of " + (retry.limit() + 1);
        if (!draft.now.isBefore(due)) {
            return draft.reconciling(retrying, why + next + " starting",
                    new JobRequest(fingerprint, run.attempt() + 1, run.verb(), target, changelogFile, run.planHash()), null);
        }
        return draft.reconciling(retrying, why + next + " at " + due, null, Duration.between(draft.now, due));
    }

    /**
     * The run went the wrong way: the database was not where the status said (a first run on a database already
     * above the target, say). Without approval or policy, going the other way is a new attempt; down only with
     * allowDowngrade.
     */
    private static Decision wrongDirection(StatusDraft draft, ObservedRun run, String fingerprint, String target, String changelogFile) {
        Verb verb = run.verb() == Verb.UPGRADE ? Verb.DOWNGRADE : Verb.UPGRADE;
        if (verb == Verb.DOWNGRADE && !draft.resource.getSpec().isAllowDowngrade()) {
            return downgradeRefused(draft, draft.status.getRevision(), target);
        }
        return draft.reconciling(Conditions.MIGRATING, "The database is at " + draft.status.getRevision() + "; starting " + verb.word()
                + " to " + target, new JobRequest(fingerprint, run.attempt() + 1, verb, target, changelogFile), null);
    }

    /** The Stalled reason for a run that failed for good. */
    private static String stalledReason(Optional<Failure> failure) {
        return switch (failure.orElse(Failure.USAGE)) {
            case CHANGESET_FAILED -> Conditions.CHANGESET_FAILED;
            case UNKNOWN_REVISION -> Conditions.UNKNOWN_REVISION;
            case INVALID_CHANGELOG -> Conditions.INVALID_CHANGELOG;
            default -> Conditions.INVALID_INPUT;
        };
    }

    /**
     * Of the runs of the pods' init containers for one input, the one that tells where the database is: the last that
     * succeeded (a later pod failing to reach the database does not undo it), else one still running, else the last.
     */
    private static Optional<ObservedRun> decisive(List<ObservedRun> runs) {
        Comparator<ObservedRun> byFinish = Comparator.comparing(ObservedRun::finishedAt, Comparator.nullsLast(Comparator.naturalOrder()));
        return runs.stream().filter(r -> r.state() == RunResult.SUCCEEDED).max(byFinish)
                .or(() -> runs.stream().filter(r -> r.state() == RunResult.RUNNING).findFirst())
                .or(() -> runs.stream().max(byFinish));
    }

    private static String applied(MigrationRun run) {
        List<String> applied = run.getApplied() == null ? List.of() : run.getApplied();
        List<String> rolledBack = run.getRolledBack() == null ? List.of() : run.getRolledBack();
        if (!rolledBack.isEmpty()) {
            return "rolled back " + String.join(", ", rolledBack);
        }
        return applied.isEmpty() ? "nothing to apply" : "applied " + String.join(", ", applied);
    }

    private static Decision downgradeRefused(StatusDraft draft, String current, String target) {
        return draft.stalled(Conditions.DOWNGRADE_NOT_ALLOWED, "The database is at " + current + ", above " + target + "; "
                + (draft.initContainers
                        ? "InitContainer mode only upgrades: roll back with rollout mode SchedulingGate and spec.allowDowngrade: true"
                        : "set spec.allowDowngrade: true to roll it back")
                + " (data added since may be lost)");
    }
}
