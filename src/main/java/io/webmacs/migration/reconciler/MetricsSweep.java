package io.webmacs.migration.reconciler;

import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.webmacs.migration.gate.MigrationCache;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;

/**
 * Takes the metrics of deleted DatabaseMigrations away: the operator uses no finalizer, so nothing reconciles a
 * DatabaseMigration once it is gone, and without this its last conditions (a Stalled one, say) would stay exported and
 * keep its alerts firing.
 */
@ApplicationScoped
class MetricsSweep {

    static final Duration INTERVAL = Duration.ofSeconds(5);

    private final Vertx vertx;
    private final MigrationCache migrations;
    private final MigrationMetrics metrics;

    MetricsSweep(Vertx vertx, MigrationCache migrations, MigrationMetrics metrics) {
        this.vertx = vertx;
        this.migrations = migrations;
        this.metrics = metrics;
    }

    void start(@Observes StartupEvent event) {
        vertx.setPeriodic(INTERVAL.toMillis(), id -> {
            if (migrations.ready()) {
                metrics.forgetAllBut(owner -> migrations.holds(owner.namespace(), owner.name()));
            }
        });
    }
}
