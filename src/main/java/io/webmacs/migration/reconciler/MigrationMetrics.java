package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.DriftStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.config.OperatorMetric;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.reconciler.ResourceMeters.Owner;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Prometheus metrics of the DatabaseMigrations this replica reconciles ({@link OperatorMetric}): runs by result and
 * their duration; per resource its conditions and since when, the changesets it still has pending, its lock waits, the
 * schema differences its last drift check found and the pods its scheduling gate holds; drift checks by result.
 */
@ApplicationScoped
public class MigrationMetrics {

    /** Buckets of run durations: from a run with nothing to do to one at the longest default activeDeadlineSeconds and past it. */
    private static final Duration[] RUN_BUCKETS = {Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
            Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5), Duration.ofMinutes(10),
            Duration.ofMinutes(30), Duration.ofHours(1)};

    private final MeterRegistry registry;
    private final ResourceMeters meters;

    public MigrationMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.meters = new ResourceMeters(registry);
    }

    /** What the reconcile of {@code resource} at {@code now} turned its status from {@code before} into. */
    public void observed(DatabaseMigration resource, DatabaseMigrationStatus before, DatabaseMigrationStatus after, Instant now) {
        Owner owner = Owner.of(resource);
        Counter lockNotAvailable = meters.counter(owner, OperatorMetric.LOCK_NOT_AVAILABLE);
        RunTransition transition = new RunTransition(before, after);
        if (transition.finished()) {
            MigrationRun run = transition.run();
            Tags tags = Tags.of("namespace", owner.namespace(), "result", run.getResult().value());
            OperatorMetric.RUNS.counter().tags(tags).register(registry).increment();
            if (run.getDurationMs() != null) {
                OperatorMetric.RUN_DURATION.timer().tags(tags).serviceLevelObjectives(RUN_BUCKETS).register(registry)
                        .record(Duration.ofMillis(run.getDurationMs()));
            }
            if (Failure.LOCK_NOT_AVAILABLE.code().equals(run.getErrorCode())) {
                lockNotAvailable.increment();
            }
        }
        ConditionSince.update(meters, owner, after.getConditions(), now);
        Optional<Instant> lockWait = LockWait.since(after);
        lockWait.ifPresentOrElse(since -> meters.set(owner, OperatorMetric.LOCK_WAIT_SINCE, seconds(since)),
                () -> meters.remove(owner, OperatorMetric.LOCK_WAIT_SINCE));
        if (after.getHistory() != null && !after.getHistory().isEmpty()) {
            meters.set(owner, OperatorMetric.LAST_RUN_LOCK_BLOCKERS, LockWait.blockers(after.getHistory().get(0)));
        }
        driftChecked(resource, owner, before, after);
    }

    /**
     * Counts a drift check once, when its result first shows in the status; the schema differences gauge shows what the
     * last check found, and goes when drift checks are turned off.
     */
    private void driftChecked(DatabaseMigration resource, Owner owner, DatabaseMigrationStatus before, DatabaseMigrationStatus after) {
        DriftStatus drift = after.getDrift();
        if (drift == null) {
            meters.remove(owner, OperatorMetric.SCHEMA_DIFFERENCES);
            return;
        }
        if (drift.getDifferences() != null) {
            meters.set(owner, OperatorMetric.SCHEMA_DIFFERENCES, drift.getDifferences());
        }
        String previousJob = before == null || before.getDrift() == null ? null : before.getDrift().getJob();
        Optional<Condition> drifted = after.condition(Conditions.DRIFTED);
        if (drift.getJob() != null && !drift.getJob().equals(previousJob) && drifted.isPresent()) {
            OperatorMetric.DRIFT_CHECKS.counter().tags("namespace", resource.getMetadata().getNamespace(), "result",
                    drifted.get().getReason()).register(registry).increment();
        }
    }

    /** The changesets between the database's revision and the target, as the changelog counts them. */
    public void pendingChangesets(DatabaseMigration resource, int changesets) {
        meters.set(Owner.of(resource), OperatorMetric.PENDING_CHANGESETS, changesets);
    }

    /** The pods {@code resource}'s scheduling gate holds now (spec.rollout); the oldest's age goes when none is held. */
    public void gatedPods(DatabaseMigration resource, List<Pod> held) {
        Owner owner = Owner.of(resource);
        meters.set(owner, OperatorMetric.GATED_PODS, held.size());
        held.stream().map(pod -> Instant.parse(pod.getMetadata().getCreationTimestamp())).min(Comparator.naturalOrder())
                .ifPresentOrElse(oldest -> meters.set(owner, OperatorMetric.GATED_PODS_OLDEST, seconds(oldest)),
                        () -> meters.remove(owner, OperatorMetric.GATED_PODS_OLDEST));
    }

    /** Removes the meters of every DatabaseMigration {@code exists} does not know any more: it was deleted. */
    void forgetAllBut(Predicate<Owner> exists) {
        meters.removeAllBut(exists);
    }

    private static double seconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }
}
