package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.webmacs.migration.api.DatabaseMigration;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/**
 * The operator's own informer caches of DatabaseMigrations and their changelog ConfigMaps, shared with the admission
 * webhook, so that deciding on a pod costs no API call and always sees what the operator sees.
 */
@ApplicationScoped
public class MigrationCache {

    private volatile IndexerResourceCache<DatabaseMigration> migrations;
    private volatile InformerEventSource<ConfigMap, DatabaseMigration> changelogs;

    /** Called once the controller has its caches. */
    public void use(IndexerResourceCache<DatabaseMigration> migrations, InformerEventSource<ConfigMap, DatabaseMigration> changelogs) {
        this.changelogs = changelogs;
        this.migrations = migrations;
    }

    public boolean ready() {
        return migrations != null;
    }

    /** Whether the DatabaseMigration {@code namespace/name} exists, as far as the cache knows. */
    public boolean holds(String namespace, String name) {
        return migrations.get(new ResourceID(name, namespace)).isPresent();
    }

    public List<DatabaseMigration> inNamespace(String namespace) {
        return migrations.list(namespace).toList();
    }

    /** The ConfigMap holding {@code migration}'s changelog; null when it uses the built-in one or the ConfigMap is missing. */
    public ConfigMap changelogOf(DatabaseMigration migration) {
        return changelogs.getSecondaryResource(migration).orElse(null);
    }
}
