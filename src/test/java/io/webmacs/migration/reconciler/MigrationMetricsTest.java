package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DriftStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.config.OperatorMetric;
import io.webmacs.migration.contract.Conditions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the operator measures when a status changes, read from the meters it registers. */
class MigrationMetricsTest {

    private static final Instant T0 = Instant.parse("2026-12-06T10:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MigrationMetrics metrics = new MigrationMetrics(registry);
    private final DatabaseMigration resource = resource("lab", "webmacs");

    @Test
    void aRunThatGaveUpWaitingForATableLockIsCountedOnceForItsResource() {
        DatabaseMigrationStatus running = status(RunResult.RUNNING, null);
        DatabaseMigrationStatus failed = status(RunResult.FAILED, "LockNotAvailable");

        metrics.observed(resource, new DatabaseMigrationStatus(), running, T0);
        assertThat(registry.counter(OperatorMetric.LOCK_NOT_AVAILABLE.exportedName(), "namespace", "lab", "name", "webmacs").count())
                .as("registered at 0 before any lock was missed").isZero();
        metrics.observed(resource, running, failed, T0);
        metrics.observed(resource, failed, failed, T0);

        assertThat(registry.counter(OperatorMetric.LOCK_NOT_AVAILABLE.exportedName(), "namespace", "lab", "name", "webmacs").count()).isEqualTo(1);
        assertThat(registry.counter(OperatorMetric.RUNS.exportedName(), "namespace", "lab", "result", "Failed").count()).isEqualTo(1);
    }

    @Test
    void aDriftCheckIsCountedOnceAndItsGaugeGoesWhenChecksAreTurnedOff() {
        DatabaseMigrationStatus before = new DatabaseMigrationStatus();
        DatabaseMigrationStatus drifted = checked("webmacs-drift-1", 2, Conditions.SCHEMA_DRIFT);

        metrics.observed(resource, before, drifted, T0);
        metrics.observed(resource, drifted, drifted, T0);

        assertThat(registry.counter(OperatorMetric.DRIFT_CHECKS.exportedName(), "namespace", "lab", "result", "SchemaDrift").count()).isEqualTo(1);
        assertThat(gauge(OperatorMetric.SCHEMA_DIFFERENCES).value()).isEqualTo(2);

        metrics.observed(resource, drifted, new DatabaseMigrationStatus(), T0);

        assertThat(registry.find(OperatorMetric.SCHEMA_DIFFERENCES.exportedName()).gauges()).isEmpty();
    }

    /**
     * A condition's series says since when it has had its status and reason: a flip is its lastTransitionTime, a new
     * reason under the same status the moment the operator saw it, and the same reason keeps its time.
     */
    @Test
    void eachConditionShowsSinceWhenItHasItsStatusAndReason() {
        Instant planned = T0.plusSeconds(60);
        Instant migrating = T0.plusSeconds(600);
        DatabaseMigrationStatus planning = conditions(reconciling(Conditions.PLANNING, T0), drifted("NoDrift", T0));
        DatabaseMigrationStatus awaiting = conditions(reconciling(Conditions.AWAITING_APPROVAL, T0), drifted("NoDrift", T0));
        DatabaseMigrationStatus running = conditions(reconciling(Conditions.MIGRATING, T0));
        DatabaseMigrationStatus ready = conditions(new ConditionBuilder().withType(Conditions.RECONCILING).withStatus("False")
                .withReason(Conditions.UP_TO_DATE).withLastTransitionTime(migrating.plusSeconds(30).toString()).build());

        metrics.observed(resource, null, planning, T0.plusSeconds(5));
        assertThat(since(Conditions.RECONCILING, "True", Conditions.PLANNING)).as("first seen: its lastTransitionTime").isEqualTo(T0);
        metrics.observed(resource, planning, awaiting, planned);
        metrics.observed(resource, awaiting, awaiting, planned.plusSeconds(100));
        assertThat(since(Conditions.RECONCILING, "True", Conditions.AWAITING_APPROVAL)).as("a new reason, seen then").isEqualTo(planned);
        metrics.observed(resource, awaiting, running, migrating);
        assertThat(since(Conditions.RECONCILING, "True", Conditions.MIGRATING)).isEqualTo(migrating);
        assertThat(registry.find(OperatorMetric.CONDITION_SINCE.exportedName()).gauges()).as("one series per condition type, and"
                + " none for Drifted, which the status no longer has").singleElement();
        metrics.observed(resource, running, ready, migrating.plusSeconds(31));
        assertThat(since(Conditions.RECONCILING, "False", Conditions.UP_TO_DATE)).as("a flip: its lastTransitionTime")
                .isEqualTo(migrating.plusSeconds(30));
    }

    /** Each attempt takes the reason from WaitingForLock to Migrating and back; the wait counts from its first run. */
    @Test
    void aLockWaitCountsFromTheFirstOfItsRunsUntilARunGetsTheLock() {
        MigrationRun first = finished("webmacs-1", "LockNotAvailable", T0.plusSeconds(180), 180_000, List.of("pid 4242"), 0);
        MigrationRun second = finished("webmacs-2", "LockNotAvailable", T0.plusSeconds(400), 180_000, List.of("pid 4242", "pid 4243"), 38);
        MigrationRun third = finished("webmacs-3", null, T0.plusSeconds(500), 20_000, null, null);
        DatabaseMigrationStatus waiting = history(reconciling(Conditions.WAITING_FOR_LOCK, T0), first);
        DatabaseMigrationStatus again = history(reconciling(Conditions.MIGRATING, T0), second, first);
        DatabaseMigrationStatus done = history(new ConditionBuilder().withType(Conditions.RECONCILING).withStatus("False")
                .withReason(Conditions.UP_TO_DATE).withLastTransitionTime(T0.plusSeconds(500).toString()).build(), third, second, first);

        metrics.observed(resource, null, waiting, T0.plusSeconds(181));
        assertThat(seconds(gauge(OperatorMetric.LOCK_WAIT_SINCE).value())).isEqualTo(T0);
        assertThat(gauge(OperatorMetric.LAST_RUN_LOCK_BLOCKERS).value()).isEqualTo(1);
        metrics.observed(resource, waiting, again, T0.plusSeconds(401));
        assertThat(seconds(gauge(OperatorMetric.LOCK_WAIT_SINCE).value())).as("the first run's start, still").isEqualTo(T0);
        assertThat(gauge(OperatorMetric.LAST_RUN_LOCK_BLOCKERS).value()).as("named and left out").isEqualTo(40);
        metrics.observed(resource, again, done, T0.plusSeconds(501));
        assertThat(registry.find(OperatorMetric.LOCK_WAIT_SINCE.exportedName()).gauges()).isEmpty();
        assertThat(gauge(OperatorMetric.LAST_RUN_LOCK_BLOCKERS).value()).isZero();
    }

    @Test
    void heldPodsShowTheirNumberAndTheOldestsCreationUntilNoneIsHeld() {
        metrics.gatedPods(resource, List.of(pod(T0.plusSeconds(30)), pod(T0), pod(T0.plusSeconds(90))));

        assertThat(gauge(OperatorMetric.GATED_PODS).value()).isEqualTo(3);
        assertThat(seconds(gauge(OperatorMetric.GATED_PODS_OLDEST).value())).isEqualTo(T0);

        metrics.gatedPods(resource, List.of());

        assertThat(gauge(OperatorMetric.GATED_PODS).value()).isZero();
        assertThat(registry.find(OperatorMetric.GATED_PODS_OLDEST.exportedName()).gauges()).isEmpty();
    }

    @Test
    void theMetersOfADeletedResourceGoAndThoseOfOthersStay() {
        DatabaseMigration other = resource("lab", "other");
        for (DatabaseMigration each : List.of(resource, other)) {
            metrics.observed(each, null, conditions(reconciling(Conditions.MIGRATING, T0)), T0);
            metrics.pendingChangesets(each, 3);
            metrics.gatedPods(each, List.of(pod(T0)));
        }

        metrics.forgetAllBut(owner -> owner.name().equals("other"));

        assertThat(registry.getMeters()).isNotEmpty().allSatisfy(meter -> assertThat(meter.getId().getTag("name")).isEqualTo("other"));
    }

    private Gauge gauge(OperatorMetric metric) {
        return registry.get(metric.exportedName()).tags("namespace", "lab", "name", "webmacs").gauge();
    }

    private Instant since(String type, String status, String reason) {
        return seconds(registry.get(OperatorMetric.CONDITION_SINCE.exportedName())
                .tags("namespace", "lab", "name", "webmacs", "type", type, "status", status, "reason", reason).gauge().value());
    }

    private static Instant seconds(double epochSeconds) {
        return Instant.ofEpochMilli(Math.round(epochSeconds * 1000));
    }

    private static DatabaseMigration resource(String namespace, String name) {
        DatabaseMigration resource = new DatabaseMigration();
        resource.getMetadata().setName(name);
        resource.getMetadata().setNamespace(namespace);
        return resource;
    }

    private static Pod pod(Instant created) {
        return new PodBuilder().withNewMetadata().withName("backend-" + created.getEpochSecond()).withCreationTimestamp(created.toString())
                .endMetadata().build();
    }

    private static Condition reconciling(String reason, Instant since) {
        return new ConditionBuilder().withType(Conditions.RECONCILING).withStatus("True").withReason(reason)
                .withLastTransitionTime(since.toString()).build();
    }

    private static Condition drifted(String reason, Instant since) {
        return new ConditionBuilder().withType(Conditions.DRIFTED).withStatus("False").withReason(reason)
                .withLastTransitionTime(since.toString()).build();
    }

    private static DatabaseMigrationStatus conditions(Condition... conditions) {
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setConditions(new ArrayList<>(List.of(conditions)));
        return status;
    }

    private static DatabaseMigrationStatus history(Condition reconciling, MigrationRun... newestFirst) {
        DatabaseMigrationStatus status = conditions(reconciling);
        status.setLastRun(newestFirst[0]);
        status.setHistory(new ArrayList<>(List.of(newestFirst)));
        return status;
    }

    private static MigrationRun finished(String job, String errorCode, Instant finishedAt, long durationMs, List<String> blockedBy,
            Integer omitted) {
        MigrationRun run = new MigrationRun();
        run.setJob(job);
        run.setAttempt(1);
        run.setResult(errorCode == null ? RunResult.SUCCEEDED : RunResult.FAILED);
        run.setErrorCode(errorCode);
        run.setFinishedAt(finishedAt.toString());
        run.setDurationMs(durationMs);
        run.setBlockedBy(blockedBy);
        run.setBlockedByOmitted(omitted);
        return run;
    }

    private static DatabaseMigrationStatus checked(String job, int differences, String reason) {
        DriftStatus drift = new DriftStatus();
        drift.setJob(job);
        drift.setDifferences(differences);
        DatabaseMigrationStatus status = new DatabaseMigrationStatus();
        status.setDrift(drift);
        status.setConditions(List.of(new ConditionBuilder().withType(Conditions.DRIFTED).withStatus("True").withReason(reason)
                .withLastTransitionTime(T0.toString()).build()));
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
