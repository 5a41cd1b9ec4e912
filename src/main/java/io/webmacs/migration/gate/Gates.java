package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.SchemaPhase;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.CurrentCondition;

/** The scheduling gate of a DatabaseMigration, and when it may be lifted. */
public final class Gates {

    /** Label the webhook puts on the pods it holds (scheduling gate or migrate init container), naming their DatabaseMigration. */
    public static final String GATED_BY = "migrations.webmacs.io/gated-by";
    private static final String PREFIX = "migrations.webmacs.io/";

    private Gates() {
    }

    public static String gateName(DatabaseMigration migration) {
        return gateName(migration.getMetadata().getName());
    }

    /** The scheduling gate of the DatabaseMigration named {@code migration}. */
    static String gateName(String migration) {
        return PREFIX + migration;
    }

    /** Removes {@code gate} from {@code pod}'s scheduling gates, so that the scheduler may place it. */
    public static void lift(KubernetesClient client, Pod pod, String gate) {
        client.pods().resource(pod).edit(p -> {
            p.getSpec().getSchedulingGates().removeIf(g -> gate.equals(g.getName()));
            return p;
        });
    }

    public static boolean hasGate(Pod pod, String gate) {
        return pod.getSpec() != null && pod.getSpec().getSchedulingGates() != null
                && pod.getSpec().getSchedulingGates().stream().anyMatch(g -> gate.equals(g.getName()));
    }

    /**
     * Ready, or expanded to the target (its contract waits for these very pods), for the generation the spec is at now:
     * only then may new pods run.
     */
    public static boolean readyForGeneration(DatabaseMigration migration) {
        DatabaseMigrationStatus status = migration.getStatus();
        Long generation = migration.getMetadata().getGeneration();
        if (status == null) {
            return false;
        }
        boolean expanded = status.getPhase() == SchemaPhase.Expanded && generation != null
                && generation.equals(status.getObservedGeneration()) && status.getRevision() != null
                && status.getRevision().equals(status.getTargetRevision());
        return expanded || status.condition(Conditions.READY)
                .filter(c -> CurrentCondition.isTrue(generation, status.getObservedGeneration(), c.getStatus(), c.getObservedGeneration()))
                .isPresent();
    }

    static boolean isGatedBy(Pod pod, DatabaseMigration migration) {
        return hasGate(pod, gateName(migration));
    }
}
