package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DriftStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the operator counts when a run's or a drift check's result first shows in the status. */
class MigrationMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MigrationMetrics metrics = new MigrationMetrics(registry);
    private final DatabaseMigration resource = resource("lab", "webmacs");

    @Test
    void aRunThatGaveUpWaitingForATableLockIsCountedOnceForItsResource() {
        DatabaseMigrationStatus running = status(RunResult.RUNNING, null);
        DatabaseMigrationStatus failed = status(RunResult.FAILED, "LockNotAvailable");

        metrics.record(resource, running, failed);
        metrics.record(resource, failed, failed);

        assertThat(registry.counter("webmacs_migration_lock_not_available", "namespace", "lab", "name", "webmacs").count()).isEqualTo(1);
        assertThat(registry.counter("webmacs_migration_runs", "namespace", "lab", "result", "Failed").count()).isEqualTo(1);
    }

    @Test
    void aDriftCheckIsCountedOnceAndItsGaugeGoesWhenChecksAreTurnedOff() {
        DatabaseMigrationStatus before = new DatabaseMigrationStatus();
        DatabaseMigrationStatus drifted = checked("webmacs-drift-1", 2, Conditions.SCHEMA_DRIFT);

        metrics.recordDriftCheck(resource, before, drifted);
        metrics.recordDriftCheck(resource, drifted, drifted);

        assertThat(registry.counter("webmacs_migration_drift_checks", "namespace", "lab", "result", "SchemaDrift").count()).isEqualTo(1);
        assertThat(registry.get("webmacs_migration_schema_differences").tags("namespace", "lab", "name", "webmacs").gauge().value()).isEqualTo(2);

        metrics.recordDriftCheck(resource, drifted, new DatabaseMigrationStatus());

        assertThat(registry.find("webmacs_migration_schema_differences").gauges()).isEmpty();
    }

    private static DatabaseMigration resource(String namespace, String name) {
        DatabaseMigration resource = new DatabaseMigration();
        resource.getMetadata().setName(name);
        resource.getMetadata().setNamespace(namespace);
        return resource;
    }

    private static DatabaseMigrationStatus checked(String job, int differences, String reason) {
        DriftStatus drift = new DriftStatus();
        drift.setJob(job);
        drift.setDifferences(differences);
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setDrift(drift);
        status.setConditions(List.of(new ConditionBuilder().withType(Conditions.DRIFTED).withStatus("True").withReason(reason).build()));
        return status;
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
