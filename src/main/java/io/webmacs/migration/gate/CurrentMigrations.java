package io.webmacs.migration.gate;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;
import io.webmacs.migration.api.DatabaseMigration;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * The DatabaseMigrations a new pod is judged by: as the API server has them at this instant (a quorum read), so that a
 * pod created in the same instant as a new generation is held for that generation; the informer cache can lag behind.
 * When the read fails or is slow, the cache's, none of them taken as Ready: the pod is gated rather than let through,
 * and the operator lifts the gate as soon as its migration is Ready.
 */
final class CurrentMigrations implements Function<String, PodAdmission.Migrations> {

    private final KubernetesClient client;
    private final Function<String, List<DatabaseMigration>> cache;

    /**
     * {@code client} answers within a timeout well inside the webhook's own, after which the API server applies the
     * failure policy (see {@link #within}).
     */
    CurrentMigrations(KubernetesClient client, Function<String, List<DatabaseMigration>> cache) {
        this.client = client;
        this.cache = cache;
    }

    /** A client like {@code client} whose requests give up after {@code timeout}. */
    static KubernetesClient within(KubernetesClient client, Duration timeout) {
        return new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withRequestTimeout((int) timeout.toMillis()).withConnectionTimeout((int) timeout.toMillis()).build()).build();
    }

    @Override
    public PodAdmission.Migrations apply(String namespace) {
        try {
            return new PodAdmission.Migrations(client.resources(DatabaseMigration.class).inNamespace(namespace).list().getItems(), true);
        } catch (KubernetesClientException e) {
            Log.debugf("Judging a pod of %s by the operator's cache, its migrations taken as not Ready: %s", namespace, e.getMessage());
            return new PodAdmission.Migrations(cache.apply(namespace), false);
        }
    }
}
