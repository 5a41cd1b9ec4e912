package io.webmacs.migration.gate;

import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.webmacs.migration.api.DatabaseMigration;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * The operator's own informer cache of DatabaseMigrations, shared with the admission webhook, so that deciding on a
 * pod costs no API call and always sees what the operator sees (deleted resources included).
 */
@ApplicationScoped
public class MigrationCache {

    private volatile IndexerResourceCache<DatabaseMigration> cache;

    /** Called once the controller has its primary cache. */
    public void use(IndexerResourceCache<DatabaseMigration> cache) {
        this.cache = cache;
    }

    public boolean ready() {
        return cache != null;
    }

    public List<DatabaseMigration> inNamespace(String namespace) {
        return cache.list(namespace).toList();
    }
}
