package io.webmacs.migration.reconciler;

import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Failure;
import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/**
 * Since when a DatabaseMigration has been waiting for table locks: its latest finished runs all gave up waiting for one
 * (LockNotAvailable) and it is still trying (Reconciling, WaitingForLock between attempts and Migrating during one). Read
 * from the status alone, so it holds across operator restarts. The condition's reason cannot tell it: each attempt
 * takes it from WaitingForLock to Migrating and back.
 */
final class LockWait {

    private LockWait() {
    }

    /** When the first of those runs started; empty when the migration is not waiting for a table lock. */
    static Optional<Instant> since(DatabaseMigrationStatus status) {
        if (!status.isTrue(Conditions.RECONCILING) || status.getHistory() == null) {
            return Optional.empty();
        }
        return status.getHistory().stream().takeWhile(run -> Failure.LOCK_NOT_AVAILABLE.code().equals(run.getErrorCode()))
                .map(LockWait::started).filter(Objects::nonNull).min(Comparator.naturalOrder());
    }

    /** Sessions that held a table lock {@code run} waited for: those it names and those it left out. */
    static int blockers(MigrationRun run) {
        return (run.getBlockedBy() == null ? 0 : run.getBlockedBy().size())
                + (run.getBlockedByOmitted() == null ? 0 : run.getBlockedByOmitted());
    }

    private static Instant started(MigrationRun run) {
        if (run.getFinishedAt() == null) {
            return null;
        }
        Instant finished = Instant.parse(run.getFinishedAt());
        return run.getDurationMs() == null ? finished : finished.minusMillis(run.getDurationMs());
    }
}
