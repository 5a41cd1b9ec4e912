package io.webmacs.migration.cli.wait;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Waits until a DatabaseMigration is Ready or Stalled for its current generation, through an informer: it lists,
 * then watches from the listed resourceVersion, and a dropped watch resumes from the last one it saw (or lists
 * again when the API server answers 410 Gone), so no change is lost to a reconnect.
 */
final class ReadyWait {

    private final KubernetesClient client;
    private final String namespace;
    private final String name;

    ReadyWait(KubernetesClient client, String namespace, String name) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
    }

    /** What was seen last: Ready, Stalled, or whatever it was when the timeout ran out. */
    MigrationReadiness await(Duration timeout, Consumer<MigrationReadiness> onChange) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Semaphore changed = new Semaphore(0);
        try (SharedIndexInformer<GenericKubernetesResource> informer = client.genericKubernetesResources(KubernetesApi.DATABASE_MIGRATIONS)
                .inNamespace(namespace).withName(name).inform(signalling(changed))) {
            MigrationReadiness seen = null;
            while (true) {
                MigrationReadiness now = MigrationReadiness.of(informer.getStore().getByKey(Cache.namespaceKeyFunc(namespace, name)));
                if (seen == null || !now.seen().equals(seen.seen())) {
                    onChange.accept(now);
                }
                seen = now;
                long left = deadline - System.nanoTime();
                if (now.finished() || left <= 0 || !changed.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    return now;
                }
                changed.drainPermits();
            }
        }
    }

    private static ResourceEventHandler<GenericKubernetesResource> signalling(Semaphore changed) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource migration) {
                changed.release();
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                changed.release();
            }

            @Override
            public void onDelete(GenericKubernetesResource migration, boolean finalStateUnknown) {
                changed.release();
            }
        };
    }
}
