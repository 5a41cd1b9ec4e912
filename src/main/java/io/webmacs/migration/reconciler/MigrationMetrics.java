package io.webmacs.migration.reconciler;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.result.Failure;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Prometheus metrics: runs by result, run duration, runs that gave up waiting for a table lock, and the changesets
 * each resource still has pending.
 */
@ApplicationScoped
public class MigrationMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> pending = new ConcurrentHashMap<>();

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
            registry.counter("webmacs_migration_lock_not_available", Tags.of("namespace", resource.getMetadata().getNamespace(),
                    "name", resource.getMetadata().getName())).increment();
        }
    }

    /** The changesets between the database's revision and the target, as the changelog counts them. */
    public void pendingChangesets(DatabaseMigration resource, int changesets) {
        String key = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName();
        pending.computeIfAbsent(key, k -> registry.gauge("webmacs_migration_pending_changesets",
                Tags.of("namespace", resource.getMetadata().getNamespace(), "name", resource.getMetadata().getName()),
                new AtomicInteger())).set(changesets);
    }
}
