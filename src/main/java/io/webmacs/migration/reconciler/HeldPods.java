package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.gate.SchemaRange;
import io.webmacs.migration.gate.ServedRevisions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Gated pods that declare ({@link SchemaRange}) a schema the database does not serve, an old image after contract say:
 * they stay held, and each is announced once, by a Warning Event on the pod that names what it needs.
 */
final class HeldPods {

    static final String REASON = "SchemaNotServed";

    /** "namespace/migration/pod uid" of the pods announced and still held. */
    private final Set<String> announced = ConcurrentHashMap.newKeySet();

    /** Whether {@code pod} may start on a database that serves {@code served} (empty: not known yet). */
    static boolean admits(Pod pod, Optional<ServedRevisions> served) {
        try {
            Optional<SchemaRange> range = SchemaRange.declaredBy(pod);
            return range.isEmpty() || served.map(s -> range.get().admits(s)).orElse(false);
        } catch (SchemaRange.Malformed e) {
            return false;
        }
    }

    /** Announces the pods of {@code resource} held now that were not announced before; forgets those no longer held. */
    void announce(DatabaseMigration resource, List<Pod> held, Optional<ServedRevisions> served, MigrationEvents events) {
        String prefix = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName() + "/";
        Set<String> now = held.stream().map(p -> prefix + p.getMetadata().getUid()).collect(Collectors.toSet());
        announced.removeIf(key -> key.startsWith(prefix) && !now.contains(key));
        for (Pod pod : held) {
            if (announced.add(prefix + pod.getMetadata().getUid())) {
                events.onPod(pod, "Warning", REASON, message(resource, pod, served));
            }
        }
    }

    private static String message(DatabaseMigration resource, Pod pod, Optional<ServedRevisions> served) {
        String needs;
        try {
            needs = "needs the schema " + SchemaRange.declaredBy(pod).orElseThrow() + " (" + DatabaseMigration.SCHEMA + ")";
        } catch (SchemaRange.Malformed e) {
            return "Held by DatabaseMigration " + resource.getMetadata().getName() + ": " + e.getMessage();
        }
        return "Held by DatabaseMigration " + resource.getMetadata().getName() + ": this pod's application " + needs + ", and the"
                + " database " + served.map(s -> "serves " + s).orElse("is at a revision not known yet") + ". It starts once the"
                + " database serves a revision it works with: roll the workload forward again, or downgrade the database"
                + " (spec.targetRevision with spec.allowDowngrade).";
    }
}
