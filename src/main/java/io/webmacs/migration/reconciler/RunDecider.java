package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.webmacs.migration.api.Conditions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.dependent.JobRequest;
import io.webmacs.migration.engine.Changelog;
import io.webmacs.migration.operator.ChangelogLoader;
import io.webmacs.migration.result.Failure;
import io.webmacs.migration.result.MigrationException;
import io.webmacs.migration.result.MigrationResult;
import io.webmacs.migration.result.Verb;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides, from what the operator observed, the resource's status and whether a migration Job must be created.
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
        Context c = new Context(resource, now.truncatedTo(ChronoUnit.SECONDS));
        if (!changelog.usable()) {
            return c.stalled(Conditions.INVALID_CHANGELOG, changelog.problem(), null);
        }
        String target;
        try {
            target = changelog.changelog().resolve(resource.getSpec().getTargetRevision());
        } catch (MigrationException e) {
            return c.stalled(Conditions.UNKNOWN_REVISION, e.getMessage(), null);
        }
        c.status.setTargetRevision(target);
        List<ObservedRun> current = runs.stream().filter(r -> fingerprint.equals(r.fingerprint())).toList();
        Optional<ObservedRun> latest = c.initContainers ? decisive(current) : current.stream().max(Comparator.comparingInt(ObservedRun::attempt));
        if (latest.isEmpty()) {
            return firstRun(c, changelog, fingerprint, target);
        }
        ObservedRun run = latest.get();
        if (run.state() != RunResult.RUNNING && run.resultPending()) {
            return c.unchanged();
        }
        MigrationRun observed = c.record(run, fingerprint);
        return switch (run.state()) {
            case RUNNING -> run.waitingProblem() != null
                    ? c.stalled(Conditions.SECRET_NOT_FOUND, observed.describe() + " cannot start: " + run.waitingProblem(), null)
                    : c.reconciling(Conditions.MIGRATING, observed.describe() + " is migrating to " + target, null, null);
            case SUCCEEDED -> target.equals(c.status.getRevision())
                    ? c.ready("At " + target + "; " + applied(observed))
                    : c.stalled(Conditions.INVALID_INPUT, observed.describe() + " succeeded but the database is at "
                            + c.status.getRevision() + ", not " + target, null);
            case FAILED -> failed(c, run, observed, changelog.file(), target, retry);
        };
    }

    private static Decision firstRun(Context c, ChangelogLoader.Loaded changelog, String fingerprint, String target) {
        MigrationRun last = c.previous.getLastRun();
        if (last != null && fingerprint.equals(last.getFingerprint()) && last.getResult() != RunResult.RUNNING) {
            // The run for this input finished and its Job has since expired: nothing new to do.
            return last.getResult() == RunResult.SUCCEEDED && target.equals(c.status.getRevision())
                    ? c.ready("At " + target + "; " + applied(last))
                    : c.unchanged();
        }
        String current = c.status.getRevision();
        Changelog revisions = changelog.changelog();
        boolean down = current != null && revisions.position(target) < revisions.position(current);
        if (down && (c.initContainers || !c.resource.getSpec().isAllowDowngrade())) {
            return c.downgradeRefused(current, target);
        }
        if (c.initContainers) {
            return c.reconciling(Conditions.WAITING_FOR_PODS, "The upgrade to " + target
                    + " runs in the migrate init container of the next new pod of spec.rollout", null, null);
        }
        JobRequest request = new JobRequest(fingerprint, 1, down ? Verb.DOWNGRADE : Verb.UPGRADE, target, changelog.file());
        return c.reconciling(Conditions.MIGRATING, "Starting " + request.verb().word() + " to " + target, request, null);
    }

    private static Decision failed(Context c, ObservedRun run, MigrationRun observed, String changelogFile, String target,
            RetryPolicy retry) {
        String fingerprint = observed.getFingerprint();
        String why = observed.describe() + " failed: " + Optional.ofNullable(observed.getMessage()).orElse("no result was reported");
        Optional<Failure> failure = run.failure();
        if (failure.equals(Optional.of(Failure.WRONG_DIRECTION))) {
            return c.initContainers ? c.downgradeRefused(c.status.getRevision(), target) : wrongDirection(c, run, fingerprint, target, changelogFile);
        }
        // A run that died without a result (killed, evicted, out of memory) is worth another attempt.
        if (!failure.map(Failure::isTransient).orElse(run.result() == null)) {
            return c.stalled(stalledReason(failure), why, null);
        }
        if (c.initContainers) {
            return c.reconciling(Conditions.RETRYING, why + "; the kubelet starts it again", null, null);
        }
        if (run.attempt() > retry.limit()) {
            return c.stalled(Conditions.RETRIES_EXHAUSTED, why + " (after " + run.attempt() + " attempts)", null);
        }
        Instant finished = run.finishedAt() == null ? c.now : run.finishedAt();
        Instant due = finished.plus(retry.after(run.attempt(), fingerprint));
        String next = "; attempt " + (run.attempt() + 1) + " of " + (retry.limit() + 1);
        if (!c.now.isBefore(due)) {
            return c.reconciling(Conditions.RETRYING, why + next + " starting",
                    new JobRequest(fingerprint, run.attempt() + 1, run.verb(), target, changelogFile), null);
        }
        return c.reconciling(Conditions.RETRYING, why + next + " at " + due, null, Duration.between(c.now, due));
    }

    /**
     * The run went the wrong way: the database was not where the status said (a first run on a database already
     * above the target, say). Going the other way is a new attempt; down only with allowDowngrade.
     */
    private static Decision wrongDirection(Context c, ObservedRun run, String fingerprint, String target, String changelogFile) {
        Verb verb = run.verb() == Verb.UPGRADE ? Verb.DOWNGRADE : Verb.UPGRADE;
        if (verb == Verb.DOWNGRADE && !c.resource.getSpec().isAllowDowngrade()) {
            return c.downgradeRefused(c.status.getRevision(), target);
        }
        return c.reconciling(Conditions.MIGRATING, "The database is at " + c.status.getRevision() + "; starting " + verb.word()
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

    /** The status being built for one decision, starting from the previous one. */
    private static final class Context {
        final DatabaseMigration resource;
        final Instant now;
        final DatabaseMigrationStatus previous;
        final DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        /** InitContainer mode: the pods' init containers run the migration; no Job is created. */
        final boolean initContainers;

        Context(DatabaseMigration resource, Instant now) {
            this.resource = resource;
            this.now = now;
            this.initContainers = resource.getSpec().runsInInitContainers();
            this.previous = resource.getStatus() == null ? new DatabaseMigrationStatus() : resource.getStatus();
            status.setObservedGeneration(generation());
            status.setRevision(previous.getRevision());
            status.setTargetRevision(previous.getTargetRevision());
            status.setLastRun(previous.getLastRun());
            status.setHistory(new ArrayList<>(previous.getHistory()));
        }

        long generation() {
            Long generation = resource.getMetadata().getGeneration();
            return generation == null ? 0 : generation;
        }

        /** Takes in what a Job reported: the revision the database is at, and the run for lastRun and history. */
        MigrationRun record(ObservedRun run, String fingerprint) {
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
                if (result.error() != null) {
                    observed.setErrorCode(result.error().code());
                    observed.setFailedChangeset(result.error().changeset());
                    observed.setMessage(result.error().message());
                }
            } else if (run.state() == RunResult.FAILED) {
                observed.setMessage("the migrate container ended without a result (exit code " + run.exitCode()
                        + "; killed, out of memory or past its deadline)");
            }
            status.setLastRun(observed);
            if (run.state() != RunResult.RUNNING
                    && status.getHistory().stream().noneMatch(h -> sameRun(h, observed))) {
                status.getHistory().add(0, observed);
                if (status.getHistory().size() > HISTORY_LIMIT) {
                    status.setHistory(new ArrayList<>(status.getHistory().subList(0, HISTORY_LIMIT)));
                }
            }
            return observed;
        }

        private static boolean sameRun(MigrationRun a, MigrationRun b) {
            return Objects.equals(a.getJob(), b.getJob()) && Objects.equals(a.getPod(), b.getPod())
                    && Objects.equals(a.getAttempt(), b.getAttempt());
        }

        Decision ready(String message) {
            status.setConditions(ConditionSet.ready(generation(), previousConditions(), now, message));
            return new Decision(status, null, null);
        }

        Decision reconciling(String reason, String message, JobRequest request, Duration requeueAfter) {
            status.setConditions(ConditionSet.reconciling(generation(), previousConditions(), now, reason, message));
            return new Decision(status, request, requeueAfter);
        }

        Decision stalled(String reason, String message, Duration requeueAfter) {
            status.setConditions(ConditionSet.stalled(generation(), previousConditions(), now, reason, message));
            return new Decision(status, null, requeueAfter);
        }

        Decision downgradeRefused(String current, String target) {
            return stalled(Conditions.DOWNGRADE_NOT_ALLOWED, "The database is at " + current + ", above " + target + "; "
                    + (initContainers
                            ? "InitContainer mode only upgrades: roll back with rollout mode SchedulingGate and spec.allowDowngrade: true"
                            : "set spec.allowDowngrade: true to roll it back")
                    + " (data added since may be lost)", null);
        }

        Decision unchanged() {
            status.setConditions(previousConditions());
            return new Decision(status, null, null);
        }

        private List<Condition> previousConditions() {
            return previous.getConditions();
        }
    }
}
