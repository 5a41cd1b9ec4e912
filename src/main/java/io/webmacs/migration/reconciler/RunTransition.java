package io.webmacs.migration.reconciler;

import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import java.util.Objects;

/** What changed about the last run between two statuses; events and metrics each report a change once. */
final class RunTransition {

    private final MigrationRun was;
    private final MigrationRun now;

    RunTransition(DatabaseMigrationStatus before, DatabaseMigrationStatus after) {
        this.was = before == null ? null : before.getLastRun();
        this.now = after.getLastRun();
    }

    /** A run (a Job, or an init container's run in a pod) the status did not name before. */
    boolean started() {
        return now != null && (was == null || !Objects.equals(was.getJob(), now.getJob()) || !Objects.equals(was.getPod(), now.getPod())
                || !Objects.equals(was.getAttempt(), now.getAttempt()));
    }

    /** A result (Succeeded or Failed) the status did not show before. */
    boolean finished() {
        return now != null && now.getResult() != RunResult.RUNNING
                && (started() || !Objects.equals(was.getResult(), now.getResult()));
    }

    MigrationRun run() {
        return now;
    }
}
