package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.webmacs.migration.api.Conditions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;

/** The scheduling gate of a DatabaseMigration, and when it may be lifted. */
public final class Gates {

    /** Label the webhook puts on the pods it holds (scheduling gate or migrate init container), naming their DatabaseMigration. */
    public static final String GATED_BY = "migrations.webmacs.io/gated-by";
    static final String PREFIX = "migrations.webmacs.io/";

    private Gates() {
    }

    public static String gateName(DatabaseMigration migration) {
        return PREFIX + migration.getMetadata().getName();
    }

    /** Ready, and for the generation the spec is at now: only then may new pods run. */
    public static boolean readyForGeneration(DatabaseMigration migration) {
        DatabaseMigrationStatus status = migration.getStatus();
        Long generation = migration.getMetadata().getGeneration();
        return status != null && generation != null && generation.equals(status.getObservedGeneration())
                && status.condition(Conditions.READY).filter(c -> "True".equals(c.getStatus()) && current(c, generation)).isPresent();
    }

    public static boolean isGatedBy(Pod pod, DatabaseMigration migration) {
        return pod.getSpec() != null && pod.getSpec().getSchedulingGates() != null
                && pod.getSpec().getSchedulingGates().stream().anyMatch(g -> gateName(migration).equals(g.getName()));
    }

    private static boolean current(Condition condition, Long generation) {
        return condition.getObservedGeneration() == null || generation.equals(condition.getObservedGeneration());
    }
}
