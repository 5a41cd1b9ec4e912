package io.webmacs.migration.gate;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.logging.Log;
import io.webmacs.migration.api.DatabaseMigration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private final Duration timeout;

    /** {@code timeout} stays well within the webhook's own, after which the API server applies the failure policy. */
    CurrentMigrations(KubernetesClient client, Function<String, List<DatabaseMigration>> cache, Duration timeout) {
        this.client = client;
        this.cache = cache;
        this.timeout = timeout;
    }

    @Override
    public PodAdmission.Migrations apply(String namespace) {
        try {
            List<DatabaseMigration> live = CompletableFuture.supplyAsync(
                            () -> client.resources(DatabaseMigration.class).inNamespace(namespace).list().getItems())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new PodAdmission.Migrations(live, true);
        } catch (ExecutionException | TimeoutException e) {
            Log.debugf("Judging a pod of %s by the operator's cache, its migrations taken as not Ready: %s", namespace, e);
            return new PodAdmission.Migrations(cache.apply(namespace), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new PodAdmission.Migrations(cache.apply(namespace), false);
        }
    }
}
