package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import org.junit.jupiter.api.Test;

/** What the operator counts when a run's result first shows in the status. */
class MigrationMetricsTest {

    @Test
    void aRunThatGaveUpWaitingForATableLockIsCountedOnceForItsResource() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MigrationMetrics metrics = new MigrationMetrics(registry);
        DatabaseMigration resource = new DatabaseMigration();
        resource.getMetadata().setName("webmacs");
        resource.getMetadata().setNamespace("lab");
        DatabaseMigrationStatus running = status(RunResult.RUNNING, null);
        DatabaseMigrationStatus failed = status(RunResult.FAILED, "LockNotAvailable");

        metrics.record(resource, running, failed);
        metrics.record(resource, failed, failed);

        assertThat(registry.counter("webmacs_migration_lock_not_available", "namespace", "lab", "name", "webmacs").count()).isEqualTo(1);
        assertThat(registry.counter("webmacs_migration_runs", "namespace", "lab", "result", "Failed").count()).isEqualTo(1);
    }

    private static DatabaseMigrationStatus status(RunResult result, String errorCode) {
        MigrationRun run = new MigrationRun();
        run.setJob("webmacs-0123456789-1");
        run.setAttempt(1);
        run.setResult(result);
        run.setErrorCode(errorCode);
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setLastRun(run);
        return status;
    }
}
