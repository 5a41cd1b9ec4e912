package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.webmacs.migration.api.Conditions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.runner.Changelog;
import io.webmacs.migration.runner.MigrationException;
import io.webmacs.migration.runner.MigrationResult;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, from what the operator observed, the resource's status and whether a migration Job must be created.
 * A pure function: no I/O, the clock passed in.
 */
public final class RunDecider {

    static final int HISTORY_LIMIT = 10;
    /** Exit codes of webmacs-migrate that a later attempt can fix: database unreachable, lock busy. */
    private static final List<Integer> TRANSIENT_EXIT_CODES = List.of(3, 4);
    private static final Map<String, String> STALLED_REASONS = Map.of(
            "ChangesetFailed", Conditions.CHANGESET_FAILED,
            "UnknownRevision", Conditions.UNKNOWN_REVISION,
            "InvalidChangelog", Conditions.INVALID_CHANGELOG);

    /** A Job to create: which attempt at the current fingerprint, and webmacs-migrate's command. */
    public record JobRequest(String fingerprint, int attempt, String command, String target, String changelogFile) {
    }

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
        Optional<ObservedRun> latest = runs.stream()
                .filter(r -> fingerprint.equals(r.job().getMetadata().getLabels().get(Labels.FINGERPRINT)))
                .max(Comparator.comparingInt(ObservedRun::attempt));
        if (latest.isEmpty()) {
            return firstRun(c, changelog, fingerprint, target);
        }
        ObservedRun run = latest.get();
        if (run.state() != ObservedRun.State.RUNNING && run.resultPending()) {
            return c.unchanged();
        }
        MigrationRun observed = c.record(run, fingerprint);
        return switch (run.state()) {
            case RUNNING -> run.waitingProblem() != null
                    ? c.stalled(Conditions.SECRET_NOT_FOUND, "Job " + run.name() + " cannot start: " + run.waitingProblem(), null)
                    : c.reconciling(Conditions.MIGRATING, "Job " + run.name() + " is migrating to " + target, null, null);
            case SUCCEEDED -> target.equals(c.status.getRevision())
                    ? c.ready("At " + target + "; " + applied(observed))
                    : c.stalled(Conditions.INVALID_INPUT, "Job " + run.name() + " succeeded but the database is at "
                            + c.status.getRevision() + ", not " + target, null);
            case FAILED -> failed(c, run, observed, changelog.file(), target, retry);
        };
    }

    private static Decision firstRun(Context c, ChangelogLoader.Loaded changelog, String fingerprint, String target) {
        MigrationRun last = c.previous.getLastRun();
        if (last != null && fingerprint.equals(last.getFingerprint()) && !"Running".equals(last.getResult())) {
            // The run for this input finished and its Job has since expired: nothing new to do.
            return "Succeeded".equals(last.getResult()) && target.equals(c.status.getRevision())
                    ? c.ready("At " + target + "; " + applied(last))
                    : c.unchanged();
        }
        String current = c.status.getRevision();
        Changelog revisions = changelog.changelog();
        boolean down = current != null && revisions.position(target) < revisions.position(current);
        if (down && !c.resource.getSpec().isAllowDowngrade()) {
            return c.stalled(Conditions.DOWNGRADE_NOT_ALLOWED, "The database is at " + current + ", above " + target
                    + "; set spec.allowDowngrade: true to roll it back (data added since may be lost)", null);
        }
        JobRequest request = new JobRequest(fingerprint, 1, down ? "downgrade" : "upgrade", target, changelog.file());
        return c.reconciling(Conditions.MIGRATING, "Starting " + request.command() + " to " + target, request, null);
    }

    private static Decision failed(Context c, ObservedRun run, MigrationRun observed, String changelogFile, String target,
            RetryPolicy retry) {
        String fingerprint = observed.getFingerprint();
        String why = "Job " + run.name() + " failed: " + Optional.ofNullable(observed.getMessage()).orElse("no result was reported");
        boolean passing = run.result() == null || TRANSIENT_EXIT_CODES.contains(run.exitCode());
        String code = run.result() == null || run.result().error() == null ? null : run.result().error().code();
        if ("WrongDirection".equals(code)) {
            return wrongDirection(c, run, fingerprint, target, changelogFile);
        }
        if (!passing) {
            return c.stalled(STALLED_REASONS.getOrDefault(code, Conditions.INVALID_INPUT), why, null);
        }
        if (run.attempt() > retry.limit()) {
            return c.stalled(Conditions.RETRIES_EXHAUSTED, why + " (after " + run.attempt() + " attempts)", null);
        }
        Instant finished = run.finishedAt() == null ? c.now : run.finishedAt();
        Instant due = finished.plus(retry.after(run.attempt(), fingerprint));
        String next = "; attempt " + (run.attempt() + 1) + " of " + (retry.limit() + 1);
        if (!c.now.isBefore(due)) {
            return c.reconciling(Conditions.RETRYING, why + next + " starting",
                    new JobRequest(fingerprint, run.attempt() + 1, observed.getCommand().split(" ")[0], target, changelogFile), null);
        }
        return c.reconciling(Conditions.RETRYING, why + next + " at " + due, null, Duration.between(c.now, due));
    }

    /**
     * The run went the wrong way: the database was not where the status said (a first run on a database already
     * above the target, say). Going the other way is a new attempt; down only with allowDowngrade.
     */
    private static Decision wrongDirection(Context c, ObservedRun run, String fingerprint, String target, String changelogFile) {
        String command = c.status.getLastRun().getCommand().startsWith("upgrade") ? "downgrade" : "upgrade";
        if (command.equals("downgrade") && !c.resource.getSpec().isAllowDowngrade()) {
            return c.stalled(Conditions.DOWNGRADE_NOT_ALLOWED, "The database is at " + c.status.getRevision() + ", above "
                    + target + "; set spec.allowDowngrade: true to roll it back (data added since may be lost)", null);
        }
        return c.reconciling(Conditions.MIGRATING, "The database is at " + c.status.getRevision() + "; starting " + command
                + " to " + target, new JobRequest(fingerprint, run.attempt() + 1, command, target, changelogFile), null);
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

        Context(DatabaseMigration resource, Instant now) {
            this.resource = resource;
            this.now = now;
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
            observed.setJob(run.name());
            observed.setFingerprint(fingerprint);
            observed.setAttempt(run.attempt());
            observed.setCommand(commandOf(run));
            observed.setResult(switch (run.state()) {
                case RUNNING -> "Running";
                case SUCCEEDED -> "Succeeded";
                case FAILED -> "Failed";
            });
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
            } else if (run.state() == ObservedRun.State.FAILED) {
                observed.setMessage("the migrate container ended without a result (exit code " + run.exitCode()
                        + "; killed, out of memory or past its deadline)");
            }
            status.setLastRun(observed);
            if (run.state() != ObservedRun.State.RUNNING
                    && status.getHistory().stream().noneMatch(h -> run.name().equals(h.getJob()))) {
                status.getHistory().add(0, observed);
                if (status.getHistory().size() > HISTORY_LIMIT) {
                    status.setHistory(new ArrayList<>(status.getHistory().subList(0, HISTORY_LIMIT)));
                }
            }
            return observed;
        }

        private static String commandOf(ObservedRun run) {
            List<String> args = run.job().getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
            return args.size() >= 2 ? args.get(0) + " " + args.get(1) : String.join(" ", args);
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

        Decision unchanged() {
            status.setConditions(previousConditions());
            return new Decision(status, null, null);
        }

        private List<Condition> previousConditions() {
            return previous.getConditions();
        }
    }
}
