package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import io.webmacs.migration.config.OperatorSettings;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Lifts the gates of pods whose DatabaseMigration was deleted before it became Ready: the reconciler never sees
 * those pods again, and without this they would wait for ever.
 */
@ApplicationScoped
public class OrphanedGates {

    private static final String ALL_NAMESPACES = "JOSDK_ALL_NAMESPACES";

    private final Vertx vertx;
    private final KubernetesClient client;
    private final MigrationCache migrations;
    private final OperatorSettings settings;
    private final List<String> namespaces;

    public OrphanedGates(Vertx vertx, KubernetesClient client, MigrationCache migrations, OperatorSettings settings,
            @ConfigProperty(name = "quarkus.operator-sdk.namespaces") Optional<List<String>> namespaces) {
        this.vertx = vertx;
        this.client = client;
        this.migrations = migrations;
        this.settings = settings;
        this.namespaces = namespaces.orElse(List.of(ALL_NAMESPACES));
    }

    void start(@Observes StartupEvent event) {
        if (settings.webhook().enabled()) {
            vertx.setPeriodic(settings.webhook().orphanSweepInterval().toMillis(), id -> vertx.executeBlocking(() -> {
                sweep();
                return null;
            }));
        }
    }

    /** Removes every gate of ours whose DatabaseMigration no longer exists. */
    void sweep() {
        if (!migrations.ready()) {
            return;
        }
        try {
            for (Pod pod : gatedPods()) {
                String owner = pod.getMetadata().getLabels().get(Gates.GATED_BY);
                boolean exists = migrations.inNamespace(pod.getMetadata().getNamespace()).stream()
                        .anyMatch(m -> m.getMetadata().getName().equals(owner));
                String gate = Gates.gateName(owner);
                if (!exists && Gates.hasGate(pod, gate)) {
                    Log.infof("Lifting gate %s of pod %s/%s: its DatabaseMigration is gone", gate,
                            pod.getMetadata().getNamespace(), pod.getMetadata().getName());
                    Gates.lift(client, pod, gate);
                }
            }
        } catch (KubernetesClientException e) {
            Log.warnf("Could not check for orphaned gates: %s", e.getMessage());
        }
    }

    private List<Pod> gatedPods() {
        if (namespaces.contains(ALL_NAMESPACES)) {
            return client.pods().inAnyNamespace().withLabel(Gates.GATED_BY).list().getItems();
        }
        return namespaces.stream()
                .flatMap(ns -> client.pods().inNamespace(ns).withLabel(Gates.GATED_BY).list().getItems().stream())
                .toList();
    }
}
