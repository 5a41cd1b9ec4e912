package io.webmacs.migration.reconciler;

import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.contract.MigrationResult;
import java.time.Duration;
import java.util.List;

/**
 * What {@link RunDecider} concluded from one look at a resource: which condition holds and why, what the status records
 * of what was seen, the Job to create (or null) and when to look again (or null). {@link StatusDraft} makes the status
 * of it.
 */
record RunOutcome(State state, String reason, String message, Seen seen, JobRequest createJob, Duration requeueAfter) {

    /** Ready, Reconciling or Stalled is True; or the conditions stay as they were, while a result is on its way. */
    enum State { READY, RECONCILING, STALLED, UNCHANGED }

    /**
     * What the status records of a look: the target revision, the revision the database is at, the revisions whose
     * contract changesets are pending (empty when none or unknown), the plan, and the migration run taken in (null when
     * none: lastRun and the history stay as they were).
     */
    record Seen(String targetRevision, String revision, List<String> contractPending, PlanStatus plan, MigrationRun run) {

        Seen {
            contractPending = contractPending == null ? List.of() : List.copyOf(contractPending);
        }

        /** What the previous status recorded: a look that saw nothing new. */
        static Seen in(DatabaseMigrationStatus previous) {
            return new Seen(previous.getTargetRevision(), previous.getRevision(), previous.getContractPending(), previous.getPlan(), null);
        }

        /**
         * With {@code observed} taken in: the revision and pending contract it reported; the run itself unless it only
         * planned.
         */
        Seen after(ObservedRun observed, MigrationRun run) {
            MigrationResult result = observed.result();
            String reported = result == null ? null : result.revision();
            List<String> pending = result == null || result.contractPending() == null ? contractPending : result.contractPending();
            return new Seen(targetRevision, reported == null ? revision : reported, pending, plan,
                    observed.verb() == Verb.PLAN ? null : run);
        }

        Seen withPlan(PlanStatus newPlan) {
            return new Seen(targetRevision, revision, contractPending, newPlan, run);
        }
    }

    static RunOutcome ready(Seen seen, String message) {
        return new RunOutcome(State.READY, Conditions.UP_TO_DATE, message, seen, null, null);
    }

    static RunOutcome reconciling(Seen seen, String reason, String message, JobRequest createJob, Duration requeueAfter) {
        return new RunOutcome(State.RECONCILING, reason, message, seen, createJob, requeueAfter);
    }

    static RunOutcome stalled(Seen seen, String reason, String message) {
        return new RunOutcome(State.STALLED, reason, message, seen, null, null);
    }

    static RunOutcome unchanged(Seen seen) {
        return new RunOutcome(State.UNCHANGED, null, null, seen, null, null);
    }
}
