package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DriftStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Failure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Prometheus metrics: runs by result, run duration, runs that gave up waiting for a table lock, the changesets
 * each resource still has pending; drift checks by result and the schema differences each resource's last check found.
 */
@ApplicationScoped
public class MigrationMetrics {

    private final MeterRegistry registry;
    private final Map<String, TrackedGauge> pending = new ConcurrentHashMap<>();
    private final Map<String, TrackedGauge> differences = new ConcurrentHashMap<>();

    public MigrationMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Counts a run once, when its result first shows in the status. */
    public void record(DatabaseMigration resource, DatabaseMigrationStatus before, DatabaseMigrationStatus after) {
        RunTransition transition = new RunTransition(before, after);
        if (!transition.finished()) {
            return;
        }
        MigrationRun run = transition.run();
        Tags tags = Tags.of("namespace", resource.getMetadata().getNamespace(), "result", run.getResult().value());
        registry.counter("webmacs_migration_runs", tags).increment();
        if (run.getDurationMs() != null) {
            registry.timer("webmacs_migration_run_duration", tags).record(Duration.ofMillis(run.getDurationMs()));
        }
        if (Failure.LOCK_NOT_AVAILABLE.code().equals(run.getErrorCode())) {
            registry.counter("webmacs_migration_lock_not_available", tags(resource)).increment();
        }
    }

    /**
     * Counts a drift check once, when its result first shows in the status; the schema differences gauge shows what the
     * last check found, and goes when drift checks are turned off.
     */
    public void recordDriftCheck(DatabaseMigration resource, DatabaseMigrationStatus before, DatabaseMigrationStatus after) {
        DriftStatus drift = after.getDrift();
        if (drift == null) {
            Optional.ofNullable(differences.remove(key(resource))).ifPresent(gauge -> registry.remove(gauge.meter()));
            return;
        }
        if (drift.getDifferences() != null) {
            differences.computeIfAbsent(key(resource), k -> TrackedGauge.register(registry, "webmacs_migration_schema_differences", resource))
                    .value().set(drift.getDifferences());
        }
        String previousJob = before == null || before.getDrift() == null ? null : before.getDrift().getJob();
        Optional<Condition> drifted = after.condition(Conditions.DRIFTED);
        if (drift.getJob() != null && !drift.getJob().equals(previousJob) && drifted.isPresent()) {
            registry.counter("webmacs_migration_drift_checks", Tags.of("namespace", resource.getMetadata().getNamespace(),
                    "result", drifted.get().getReason())).increment();
        }
    }

    /** The changesets between the database's revision and the target, as the changelog counts them. */
    public void pendingChangesets(DatabaseMigration resource, int changesets) {
        pending.computeIfAbsent(key(resource), k -> TrackedGauge.register(registry, "webmacs_migration_pending_changesets", resource))
                .value().set(changesets);
    }

    private static String key(DatabaseMigration resource) {
        return resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
    }

    private static Tags tags(DatabaseMigration resource) {
        return Tags.of("namespace", resource.getMetadata().getNamespace(), "name", resource.getMetadata().getName());
    }

    /** A gauge of one resource, which can be removed again when what it measures is turned off. */
    private record TrackedGauge(AtomicInteger value, Gauge meter) {

        static TrackedGauge register(MeterRegistry registry, String name, DatabaseMigration resource) {
            AtomicInteger value = new AtomicInteger();
            return new TrackedGauge(value, Gauge.builder(name, value, AtomicInteger::get).tags(tags(resource)).register(registry));
        }
    }
}
