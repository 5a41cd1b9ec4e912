package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DriftCheckSpec;
import io.webmacs.migration.api.DriftStatus;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Drift;
import io.webmacs.migration.contract.DurationSetting;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.JobRequest;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * spec.driftCheck: takes in what the last check Job found, as status.drift and the Drifted condition, and decides when
 * the next check runs: once the database is Ready, again after every migration, then every interval. Checks run only
 * while the resource is Ready, so a check never compares a schema a migration is changing. Pure, like RunDecider.
 */
final class DriftDecider {

    private static final int MESSAGE_DIFFERENCES = 3;

    /** The check Job to create (or null), and when to look again (or null). */
    record Decision(JobRequest createJob, Duration requeueAfter) {
        static final Decision NONE = new Decision(null, null);
    }

    private DriftDecider() {
    }

    /**
     * Completes {@code status}, the status StatusDraft made of RunDecider's outcome, with status.drift and the Drifted condition.
     *
     * @param checks the drift check Jobs of this resource
     */
    static Decision decide(DatabaseMigration resource, DatabaseMigrationStatus status, List<ObservedRun> checks, String fingerprint,
            String changelogFile, Instant now) {
        Instant at = now.truncatedTo(ChronoUnit.SECONDS);
        List<Condition> previous = resource.getStatus() == null ? List.of() : resource.getStatus().getConditions();
        List<Condition> conditions = status.getConditions().stream().filter(c -> !isDrifted(c))
                .collect(Collectors.toCollection(ArrayList::new));
        status.setConditions(conditions);
        DriftCheckSpec spec = resource.getSpec().getDriftCheck();
        if (spec == null) {
            status.setDrift(null);
            return Decision.NONE;
        }
        DriftStatus drift = copy(resource.getStatus() == null ? null : resource.getStatus().getDrift());
        status.setDrift(drift);
        Optional<ObservedRun> latest = checks.stream().max(Comparator.comparingInt(ObservedRun::attempt));
        latest.ifPresent(check -> drift.setChecks(Math.max(drift.getChecks(), check.attempt())));
        boolean ready = status.isTrue(Conditions.READY);
        boolean checking = latest.map(DriftDecider::unfinished).orElse(false);
        Optional<Condition> drifted = previous.stream().filter(DriftDecider::isDrifted).findFirst();
        if (ready && !checking && latest.isPresent() && !latest.get().name().equals(drift.getJob())
                && comparedRevision(latest.get(), status.getRevision()).equals(status.getRevision())) {
            drifted = Optional.of(takeIn(latest.get(), drift, status.getRevision(), status.getObservedGeneration(), previous, at));
        }
        drifted.ifPresent(conditions::add);
        if (!ready || checking) {
            return Decision.NONE;
        }
        Instant due = drift.getCheckedAt() == null || !Objects.equals(drift.getRevision(), status.getRevision())
                ? at : Instant.parse(drift.getCheckedAt()).plus(DurationSetting.read(spec.getInterval()));
        if (at.isBefore(due)) {
            return new Decision(null, Duration.between(at, due));
        }
        drift.setChecks(drift.getChecks() + 1);
        return new Decision(new JobRequest(fingerprint, drift.getChecks(), Verb.CHECK, null, changelogFile), null);
    }

    /** The check Jobs to delete: all but the latest, whose log has the last list of differences; all when checks are off. */
    static List<ObservedRun> obsolete(DatabaseMigration resource, List<ObservedRun> checks) {
        int keep = resource.getSpec().getDriftCheck() == null ? 0 : 1;
        return checks.stream().sorted(Comparator.comparingInt(ObservedRun::attempt).reversed()).skip(keep).toList();
    }

    /** Records a finished check in {@code drift}; returns the Drifted condition it leads to. */
    private static Condition takeIn(ObservedRun check, DriftStatus drift, String revision, long generation, List<Condition> previous,
            Instant now) {
        MigrationResult result = check.result();
        Drift found = result == null ? null : result.drift();
        drift.setJob(check.name());
        drift.setRevision(revision);
        drift.setCheckedAt((check.finishedAt() == null ? now : check.finishedAt()).toString());
        drift.setDifferences(found == null ? null : found.count());
        drift.setSummary(found == null || found.differences().isEmpty() ? null
                : found.differences().stream().map(Drift.Difference::describe).toList());
        if (found == null) {
            String why = result != null && result.error() != null ? result.error().message()
                    : "the migrate container ended without a result (exit code " + check.exitCode() + ")";
            return ConditionSet.drifted("Unknown", Conditions.CHECK_FAILED, "Drift check Job " + check.name() + " failed: " + why,
                    generation, previous, now);
        }
        if (found.count() == 0) {
            return ConditionSet.drifted("False", Conditions.NO_DRIFT, "The schema is the one the changelog defines at " + revision
                    + (found.known() > 0 ? " (route B: " + found.known() + " known create_all differences left out)" : ""),
                    generation, previous, now);
        }
        List<String> first = found.differences().stream().limit(MESSAGE_DIFFERENCES).map(Drift.Difference::describe).toList();
        return ConditionSet.drifted("True", Conditions.SCHEMA_DRIFT, found.count() + (found.count() == 1 ? " difference" : " differences")
                + " from the schema the changelog defines at " + revision + ": " + String.join("; ", first)
                + (found.count() > first.size() ? "; ..." : "") + " (the log of the Job in status.drift.job lists them all)",
                generation, previous, now);
    }

    /** The revision a check compared with: the one it reports, else (it reported nothing) the database's. */
    private static String comparedRevision(ObservedRun check, String revision) {
        return Optional.ofNullable(check.result()).map(MigrationResult::revision).orElse(revision);
    }

    private static boolean unfinished(ObservedRun check) {
        return check.state() == RunResult.RUNNING || check.resultPending();
    }

    private static boolean isDrifted(Condition condition) {
        return Conditions.DRIFTED.equals(condition.getType());
    }

    private static DriftStatus copy(DriftStatus previous) {
        DriftStatus drift = new DriftStatus();
        drift.setChecks(0);
        if (previous != null) {
            drift.setChecks(previous.getChecks() == null ? 0 : previous.getChecks());
            drift.setJob(previous.getJob());
            drift.setRevision(previous.getRevision());
            drift.setCheckedAt(previous.getCheckedAt());
            drift.setDifferences(previous.getDifferences());
            drift.setSummary(previous.getSummary());
        }
        return drift;
    }
}
