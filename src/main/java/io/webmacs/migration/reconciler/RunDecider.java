package io.webmacs.migration.reconciler;

import io.webmacs.migration.api.ContractMode;
import io.webmacs.migration.api.ContractSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Plan;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.reconciler.RunOutcome.Seen;
import io.webmacs.migration.run.ChangelogLoader;
import io.webmacs.migration.run.ChangelogRevisions;
import io.webmacs.migration.run.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Decides, from what the operator observed, the resource's state and whether a migration (or plan) Job must be created.
 * With approval.mode Manual or a policy (destructive Deny, maxBlockedTableRows), each input is planned first: the plan
 * Job is attempt 1, the migration follows as the next attempt once the plan is allowed and approved.
 * A pure function: no I/O, the clock passed in; it returns a {@link RunOutcome}, which {@link StatusDraft} makes a status of.
 */
public final class RunDecider {

    /** How transient failures are retried. */
    public record RetryPolicy(int limit, Duration backoff, Duration maxBackoff) {

        /** The wait after failed attempt {@code attempt}: doubling from backoff, capped, plus 0-20% jitter fixed per run. */
        Duration after(int attempt, String fingerprint) {
            long base = Math.min(maxBackoff.toMillis(), backoff.toMillis() << Math.min(attempt - 1, 20));
            long jitter = Math.floorMod((fingerprint + attempt).hashCode(), 1000) * base / 5000;
            return Duration.ofMillis(base + jitter);
        }
    }

    /** Whether the rollout that contract waits for is complete: why not, in words, or empty. Reads the cluster. */
    @FunctionalInterface
    interface RolloutCheck {
        Optional<String> incomplete(DatabaseMigration resource, String target);
    }

    /** How often a contract that waits for the rollout looks again: the operator does not watch the workload. */
    static final Duration ROLLOUT_POLL = Duration.ofSeconds(5);

    private RunDecider() {
    }

    static RunOutcome decide(DatabaseMigration resource, ChangelogLoader.Loaded changelog, String fingerprint,
            List<ObservedRun> runs, RetryPolicy retry, RolloutCheck rollout, Instant now) {
        DatabaseMigrationStatus previous = StatusDraft.previous(resource);
        if (!changelog.usable()) {
            return RunOutcome.stalled(Seen.in(previous), Conditions.INVALID_CHANGELOG, changelog.problem());
        }
        String target;
        try {
            target = changelog.revisions().resolve(resource.getSpec().getTargetRevision());
        } catch (MigrationException e) {
            return RunOutcome.stalled(Seen.in(previous), Conditions.UNKNOWN_REVISION, e.getMessage());
        }
        Seen seen = new Seen(target, previous.getRevision(), previous.getContractPending(), planOf(resource, previous, fingerprint), null);
        List<ObservedRun> current = runs.stream().filter(r -> fingerprint.equals(r.fingerprint())).toList();
        Optional<ObservedRun> latest = initContainers(resource) ? decisive(current)
                : current.stream().max(Comparator.comparingInt(ObservedRun::attempt));
        if (latest.isEmpty() || finishedSince(previous, fingerprint, latest.get())) {
            return firstRun(resource, previous.getLastRun(), seen, changelog, fingerprint, rollout);
        }
        ObservedRun run = latest.get();
        if (run.state() != RunResult.RUNNING && run.resultPending()) {
            return RunOutcome.unchanged(seen);
        }
        MigrationRun observed = run.toStatus();
        Seen after = seen.after(run, observed);
        Instant at = now.truncatedTo(ChronoUnit.SECONDS);
        if (run.verb() == Verb.PLAN) {
            return planned(resource, after, run, observed, changelog.file(), retry, at);
        }
        return switch (run.state()) {
            case RUNNING -> run.waitingProblem() != null
                    ? RunOutcome.stalled(after, Conditions.SECRET_NOT_FOUND, observed.describe() + " cannot start: " + run.waitingProblem())
                    : RunOutcome.reconciling(after, Conditions.MIGRATING, observed.describe() + " is migrating to " + target
                            + run.waitingNote(), null, null);
            case SUCCEEDED -> !target.equals(after.revision())
                    ? RunOutcome.stalled(after, Conditions.INVALID_INPUT, observed.describe() + " succeeded but the database is at "
                            + after.revision() + ", not " + target)
                    : run.phase() == Phase.EXPAND && !after.contractPending().isEmpty()
                            ? contract(resource, after, fingerprint, run.attempt(), changelog.file(), rollout)
                            : RunOutcome.ready(after, "At " + target + "; " + applied(observed));
            case FAILED -> failed(resource, after, run, observed, changelog.file(), retry, at);
        };
    }

    /**
     * Nothing is planned or run, for {@code why}, before any Job: looked at again after {@code recheck} (or null), for
     * what the operator does not watch.
     */
    static RunOutcome refused(DatabaseMigration resource, String reason, String why, Duration recheck) {
        return new RunOutcome(RunOutcome.State.STALLED, reason, why, Seen.in(StatusDraft.previous(resource)), null, recheck);
    }

    /** status.plan only for this input, and only while plans are made: a plan for another input approves nothing. */
    private static PlanStatus planOf(DatabaseMigration resource, DatabaseMigrationStatus previous, String fingerprint) {
        PlanStatus plan = previous.getPlan();
        return resource.getSpec().plansFirst() && plan != null && fingerprint.equals(plan.getFingerprint()) ? plan : null;
    }

    /** InitContainer mode: the pods' init containers run the migration; no Job is created. */
    private static boolean initContainers(DatabaseMigration resource) {
        return resource.getSpec().runsInInitContainers();
    }

    private static RunOutcome firstRun(DatabaseMigration resource, MigrationRun last, Seen seen, ChangelogLoader.Loaded changelog,
            String fingerprint, RolloutCheck rollout) {
        String target = seen.targetRevision();
        if (last != null && fingerprint.equals(last.getFingerprint()) && last.getResult() != RunResult.RUNNING) {
            // The run for this input finished and its Job has since expired: nothing new to do, but a pending contract.
            if (last.getResult() != RunResult.SUCCEEDED || !target.equals(seen.revision())) {
                return RunOutcome.unchanged(seen);
            }
            return resource.getSpec().contractsAfterRollout() && !seen.contractPending().isEmpty()
                    ? contract(resource, seen, fingerprint, last.getAttempt(), changelog.file(), rollout)
                    : RunOutcome.ready(seen, "At " + target + "; " + applied(last));
        }
        String current = seen.revision();
        ChangelogRevisions revisions = changelog.revisions();
        boolean down = current != null && revisions.position(target) < revisions.position(current);
        if (down && (initContainers(resource) || !resource.getSpec().isAllowDowngrade())) {
            return downgradeRefused(resource, seen, current);
        }
        if (initContainers(resource)) {
            return RunOutcome.reconciling(seen, Conditions.WAITING_FOR_PODS, "The upgrade to " + target
                    + " runs in the migrate init container of the next new pod of spec.rollout", null, null);
        }
        // Around a rollout, an upgrade expands first; its contract waits for the rollout (see contract).
        Phase phase = !down && resource.getSpec().contractsAfterRollout() ? Phase.EXPAND : null;
        if (resource.getSpec().plansFirst()) {
            return RunOutcome.reconciling(seen, Conditions.PLANNING, "Planning the migration to " + target,
                    new JobRequest(fingerprint, 1, Verb.PLAN, target, changelog.file(), null, phase), null);
        }
        JobRequest request = new JobRequest(fingerprint, 1, down ? Verb.DOWNGRADE : Verb.UPGRADE, target, changelog.file(), null, phase);
        return RunOutcome.reconciling(seen, Conditions.MIGRATING, "Starting " + request.verb().word() + " to " + target, request, null);
    }

    /**
     * Expand is done up to the target and contract changesets are pending: the new pods may start (status.phase
     * Expanded); contract runs as the next attempt once nothing holds it: spec.rollout.contract.hold, a Manual contract
     * not yet approved by the annotation, or the rollout (the new pods all running, no pod that needs the schema before
     * contract left). Planned and approved first, like any run, when plans are made.
     */
    private static RunOutcome contract(DatabaseMigration resource, Seen seen, String fingerprint, int expandAttempt, String changelogFile,
            RolloutCheck rollout) {
        String target = seen.targetRevision();
        String expanded = "Expanded to " + target + "; the contract of " + String.join(", ", seen.contractPending()) + " ";
        ContractSpec contract = resource.getSpec().contract();
        if (contract.isHold()) {
            return RunOutcome.reconciling(seen, Conditions.CONTRACT_HELD, expanded + "is held by spec.rollout.contract.hold", null, null);
        }
        if (contract.getMode() == ContractMode.Manual && !resource.annotation(DatabaseMigration.CONTRACT).equals(Optional.of(target))) {
            return RunOutcome.reconciling(seen, Conditions.AWAITING_CONTRACT, expanded + "runs once the annotation "
                    + DatabaseMigration.CONTRACT + " is " + target, null, null);
        }
        Optional<String> incomplete = rollout.incomplete(resource, target);
        if (incomplete.isPresent()) {
            return RunOutcome.reconciling(seen, Conditions.WAITING_FOR_ROLLOUT, expanded + "runs once the rollout is complete: "
                    + incomplete.get(), null, ROLLOUT_POLL);
        }
        boolean plansFirst = resource.getSpec().plansFirst();
        JobRequest next = new JobRequest(fingerprint, expandAttempt + 1, plansFirst ? Verb.PLAN : Verb.UPGRADE, target, changelogFile,
                null, Phase.CONTRACT);
        return RunOutcome.reconciling(seen, plansFirst ? Conditions.PLANNING : Conditions.MIGRATING, "The rollout is complete; "
                + (plansFirst ? "planning" : "starting") + " the contract of " + String.join(", ", seen.contractPending()), next, null);
    }

    /**
     * The latest Job of this input is a plan Job: planning, failed like any run, or done; then the plan runs once it is
     * allowed and approved.
     */
    private static RunOutcome planned(DatabaseMigration resource, Seen seen, ObservedRun run, MigrationRun observed,
            String changelogFile, RetryPolicy retry, Instant now) {
        String target = seen.targetRevision();
        if (run.state() == RunResult.FAILED) {
            return failed(resource, seen, run, observed, changelogFile, retry, now);
        }
        if (run.state() == RunResult.RUNNING) {
            return run.waitingProblem() != null
                    ? RunOutcome.stalled(seen, Conditions.SECRET_NOT_FOUND, observed.describe() + " cannot start: " + run.waitingProblem())
                    : RunOutcome.reconciling(seen, Conditions.PLANNING, observed.describe() + " is planning the migration to " + target
                            + run.waitingNote(), null, null);
        }
        Plan plan = run.result() == null ? null : run.result().plan();
        if (plan == null) {
            return RunOutcome.stalled(seen, Conditions.INVALID_INPUT, observed.describe() + " succeeded but reported no plan");
        }
        PlanStatus status = PlanApproval.status(resource, plan, run.name(), run.fingerprint());
        Seen planned = seen.withPlan(status);
        Verb verb = plan.direction() == Plan.Direction.DOWNGRADE ? Verb.DOWNGRADE : Verb.UPGRADE;
        if (verb == Verb.DOWNGRADE && !resource.getSpec().isAllowDowngrade()) {
            return downgradeRefused(resource, planned, plan.from());
        }
        if (resource.getSpec().deniesDestructive() && plan.destructive()) {
            return RunOutcome.stalled(planned, Conditions.DESTRUCTIVE_PLAN_DENIED, PlanApproval.denied(status));
        }
        if (PlanApproval.blocksTooMuch(resource, plan)) {
            return RunOutcome.stalled(planned, Conditions.WRITE_BLOCKING_PLAN_DENIED,
                    PlanApproval.deniedWriteBlocking(status, resource.getSpec().maxBlockedTableRows()));
        }
        if (!status.getApproved()) {
            return RunOutcome.reconciling(planned, Conditions.AWAITING_APPROVAL, PlanApproval.awaiting(resource, status), null, null);
        }
        return RunOutcome.reconciling(planned, Conditions.MIGRATING, "Starting " + verb.word() + " to " + target + " as planned (plan "
                + plan.hash() + ")", new JobRequest(run.fingerprint(), run.attempt() + 1, verb, target, changelogFile, plan.hash(),
                verb == Verb.UPGRADE ? run.phase() : null), null);
    }

    /** The status names a finished run of this input later than any Job still there: that run's Job has expired. */
    private static boolean finishedSince(DatabaseMigrationStatus previous, String fingerprint, ObservedRun latest) {
        MigrationRun last = previous.getLastRun();
        return last != null && last.getJob() != null && fingerprint.equals(last.getFingerprint()) && last.getAttempt() != null
                && last.getAttempt() > latest.attempt() && last.getResult() != RunResult.RUNNING;
    }

    private static RunOutcome failed(DatabaseMigration resource, Seen seen, ObservedRun run, MigrationRun observed, String changelogFile,
            RetryPolicy retry, Instant now) {
        String fingerprint = observed.getFingerprint();
        String target = seen.targetRevision();
        String why = observed.describe() + " failed: " + Optional.ofNullable(observed.getMessage()).orElse("no result was reported");
        Optional<Failure> failure = run.failure();
        boolean plansFirst = resource.getSpec().plansFirst();
        // The database moved between plan and run: what was approved is not what would run. Only a new plan (approved,
        // and allowed by the policy) may run, whichever way the database moved.
        if (failure.equals(Optional.of(Failure.PLAN_CHANGED)) || plansFirst && failure.equals(Optional.of(Failure.WRONG_DIRECTION))) {
            return RunOutcome.reconciling(seen, Conditions.PLANNING, why + "; planning again",
                    new JobRequest(fingerprint, run.attempt() + 1, Verb.PLAN, target, changelogFile, null, run.phase()), null);
        }
        if (failure.equals(Optional.of(Failure.WRONG_DIRECTION))) {
            return initContainers(resource) ? downgradeRefused(resource, seen, seen.revision())
                    : wrongDirection(resource, seen, run, changelogFile);
        }
        // A run that died without a result (killed, evicted, out of memory) is worth another attempt.
        if (!failure.map(Failure::isTransient).orElse(run.result() == null)) {
            return RunOutcome.stalled(seen, stalledReason(failure), why);
        }
        String retrying = failure.equals(Optional.of(Failure.LOCK_NOT_AVAILABLE)) ? Conditions.WAITING_FOR_LOCK : Conditions.RETRYING;
        if (initContainers(resource)) {
            return RunOutcome.reconciling(seen, retrying, why + "; the kubelet starts it again", null, null);
        }
        if (run.attempt() > retry.limit()) {
            return RunOutcome.stalled(seen, Conditions.RETRIES_EXHAUSTED, why + " (after " + run.attempt() + " attempts)");
        }
        Instant finished = run.finishedAt() == null ? now : run.finishedAt();
        Instant due = finished.plus(retry.after(run.attempt(), fingerprint));
        String next = "; attempt " + (run.attempt() + 1) + " of " + (retry.limit() + 1);
        if (!now.isBefore(due)) {
            return RunOutcome.reconciling(seen, retrying, why + next + " starting",
                    new JobRequest(fingerprint, run.attempt() + 1, run.verb(), target, changelogFile, run.planHash(), run.phase()), null);
        }
        return RunOutcome.reconciling(seen, retrying, why + next + " at " + due, null, Duration.between(now, due));
    }

    /**
     * The run went the wrong way: the database was not where the status said (a first run on a database already
     * above the target, say). Without approval or policy, going the other way is a new attempt; down only with
     * allowDowngrade.
     */
    private static RunOutcome wrongDirection(DatabaseMigration resource, Seen seen, ObservedRun run, String changelogFile) {
        Verb verb = run.verb() == Verb.UPGRADE ? Verb.DOWNGRADE : Verb.UPGRADE;
        if (verb == Verb.DOWNGRADE && !resource.getSpec().isAllowDowngrade()) {
            return downgradeRefused(resource, seen, seen.revision());
        }
        Phase phase = verb == Verb.UPGRADE && resource.getSpec().contractsAfterRollout() ? Phase.EXPAND : null;
        return RunOutcome.reconciling(seen, Conditions.MIGRATING, "The database is at " + seen.revision() + "; starting " + verb.word()
                + " to " + seen.targetRevision(), new JobRequest(run.fingerprint(), run.attempt() + 1, verb, seen.targetRevision(),
                changelogFile, null, phase), null);
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

    private static RunOutcome downgradeRefused(DatabaseMigration resource, Seen seen, String current) {
        return RunOutcome.stalled(seen, Conditions.DOWNGRADE_NOT_ALLOWED, "The database is at " + current + ", above "
                + seen.targetRevision() + "; " + (initContainers(resource)
                        ? "InitContainer mode only upgrades: roll back with rollout mode SchedulingGate and spec.allowDowngrade: true"
                        : "set spec.allowDowngrade: true to roll it back")
                + " (data added since may be lost)");
    }
}
