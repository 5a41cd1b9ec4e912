package io.webmacs.migration.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import java.util.function.ToDoubleFunction;

/**
 * The operator's own Prometheus metrics, each by the name it is exported under: the one list the alerting rules, the
 * Grafana dashboard and docs/monitoring.md go by. Counters end in {@code _total}, durations and points in time in
 * {@code _seconds}. A metric of one DatabaseMigration carries its {@code namespace} and {@code name}; every other label
 * takes values from a fixed set (results, condition types and reasons, webhook outcomes), so the series are bounded by
 * the DatabaseMigrations there are.
 */
public enum OperatorMetric {

    RUNS("webmacs_migration_runs_total", "Migration runs that finished, by namespace and result."),
    RUN_DURATION("webmacs_migration_run_duration_seconds", "How long the migration runs that finished took, by namespace and result."),
    LOCK_NOT_AVAILABLE("webmacs_migration_lock_not_available_total",
            "Runs of the DatabaseMigration that gave up waiting for a table lock (LockNotAvailable)."),
    LOCK_WAIT_SINCE("webmacs_migration_lock_wait_since_timestamp_seconds", "When the first of the DatabaseMigration's latest runs"
            + " that all gave up waiting for a table lock started, while it keeps trying; absent otherwise."),
    LAST_RUN_LOCK_BLOCKERS("webmacs_migration_last_run_lock_blockers",
            "Sessions that held a table lock the DatabaseMigration's last finished run waited for."),
    PENDING_CHANGESETS("webmacs_migration_pending_changesets",
            "Changesets between the DatabaseMigration's database revision and its target."),
    DRIFT_CHECKS("webmacs_migration_drift_checks_total", "Drift checks that finished, by namespace and result (the Drifted reason)."),
    SCHEMA_DIFFERENCES("webmacs_migration_schema_differences",
            "Differences the DatabaseMigration's last drift check found between the live schema and the changelog's."),
    CONDITION_SINCE("webmacs_migration_condition_since_timestamp_seconds", "When each condition of the DatabaseMigration (label"
            + " type) took its current status and reason (labels status and reason)."),
    GATED_PODS("webmacs_migration_gated_pods", "Pods the DatabaseMigration's scheduling gate holds."),
    GATED_PODS_OLDEST("webmacs_migration_gated_pods_oldest_timestamp_seconds",
            "When the oldest pod the DatabaseMigration's scheduling gate holds was created; absent when it holds none."),
    WEBHOOK_ADMISSION_DURATION("webmacs_migration_webhook_admission_duration_seconds",
            "Pod admission reviews this replica's webhook answered, and how long each took, by outcome."),
    LEADER("webmacs_migration_operator_leader",
            "1 while this replica reconciles (it holds the leader-election Lease, or leader election is off), else 0.");

    private final String name;
    private final String help;

    OperatorMetric(String name, String help) {
        this.name = name;
        this.help = help;
    }

    /** The name Prometheus scrapes; for a histogram, the name its _bucket, _count and _sum series start with. */
    public String exportedName() {
        return name;
    }

    /** The metric's HELP text. */
    public String help() {
        return help;
    }

    /** A counter of this metric, named and described; its tags and registry are the caller's. */
    public Counter.Builder counter() {
        return Counter.builder(name).description(help);
    }

    /** A timer (a histogram in seconds) of this metric, named and described. */
    public Timer.Builder timer() {
        return Timer.builder(name).description(help);
    }

    /** A gauge of this metric that reads {@code value} of {@code state}, named and described. */
    public <T> Gauge.Builder<T> gauge(T state, ToDoubleFunction<T> value) {
        return Gauge.builder(name, state, value).description(help);
    }
}
