package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Pod;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.gate.SchemaRange;
import io.webmacs.migration.gate.SchemaSkew;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Gated pods that declare ({@link SchemaRange}) a schema the database does not serve, an old image after contract say:
 * they stay held, by the same rule the webhook held them by ({@link SchemaSkew}), and each is announced once, by a
 * Warning Event on the pod that says what it needs.
 */
final class HeldPods {

    static final String REASON = "SchemaNotServed";

    /** "namespace/migration/pod uid" of the pods announced and still held. */
    private final Set<String> announced = ConcurrentHashMap.newKeySet();

    /**
     * Why {@code pod} must stay held for {@code resource}, whose changelog has {@code revisions} (empty when it cannot be
     * used); empty when it may start.
     */
    static Optional<String> why(Pod pod, DatabaseMigration resource, List<String> revisions) {
        try {
            return SchemaRange.declaredBy(pod)
                    .flatMap(range -> SchemaSkew.of(range, resource, revisions.isEmpty() ? Optional.empty() : Optional.of(revisions)));
        } catch (SchemaRange.Malformed e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Announces the held pods of {@code resource} not announced before, each with why; forgets those no longer held. */
    void announce(DatabaseMigration resource, List<Pod> held, List<String> revisions, MigrationEvents events) {
        String prefix = resource.getMetadata().getNamespace() + "/" + resource.getMetadata().getName() + "/";
        Set<String> now = held.stream().map(p -> prefix + p.getMetadata().getUid()).collect(Collectors.toSet());
        announced.removeIf(key -> key.startsWith(prefix) && !now.contains(key));
        for (Pod pod : held) {
            if (announced.add(prefix + pod.getMetadata().getUid())) {
                events.onPod(pod, "Warning", REASON, "Held by DatabaseMigration " + resource.getMetadata().getName() + ": this pod "
                        + why(pod, resource, revisions).orElse("") + ". It starts once the database serves a revision it works"
                        + " with: roll the workload forward again, or downgrade the database (spec.targetRevision with"
                        + " spec.allowDowngrade).");
            }
        }
    }
}
