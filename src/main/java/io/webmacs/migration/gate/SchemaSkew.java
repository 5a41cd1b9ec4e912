package io.webmacs.migration.gate;

import io.webmacs.migration.api.DatabaseMigration;
import java.util.List;
import java.util.Optional;

/**
 * Whether a pod that declares its schema range must wait for its DatabaseMigration's database, and why: the webhook
 * gates such a pod, and the gate is lifted only once there is no reason left.
 */
public final class SchemaSkew {

    private SchemaSkew() {
    }

    /**
     * Why a pod declaring {@code range} must not run against {@code migration}'s database now, with {@code revisions} its
     * changelog's revisions (empty when the changelog cannot be used); empty when it may run. In InitContainer mode the
     * pod's migrate init container upgrades the database, so only a pod that needs an earlier revision waits.
     */
    public static Optional<String> of(SchemaRange range, DatabaseMigration migration, Optional<List<String>> revisions) {
        String name = migration.getMetadata().getName();
        if (revisions.isEmpty()) {
            return Optional.of("needs the schema " + range + ", and the changelog of DatabaseMigration " + name
                    + " cannot be used (see its status)");
        }
        List<String> unknown = range.unknownRevisions(revisions.get());
        if (!unknown.isEmpty()) {
            return Optional.of("names " + String.join(", ", unknown) + " in its schema " + range + ", which the changelog of"
                    + " DatabaseMigration " + name + " does not have: an application newer than that changelog does not start");
        }
        boolean upgradesItself = migration.getSpec().runsInInitContainers();
        Optional<ServedRevisions> served = ServedRevisions.of(migration.getStatus(), revisions.get());
        if (served.isEmpty()) {
            String at = migration.getStatus() == null ? null : migration.getStatus().getRevision();
            String where = at == null ? " has no known revision yet" : " is at " + at + ", which its changelog does not have";
            return upgradesItself ? Optional.empty()
                    : Optional.of("needs the schema " + range + ", and the database of DatabaseMigration " + name + where);
        }
        if (range.admits(upgradesItself ? served.get().andLater() : served.get())) {
            return Optional.empty();
        }
        return Optional.of("needs the schema " + range + ", and the database of DatabaseMigration " + name + " serves "
                + served.get() + (upgradesItself ? "; its migrate init container only upgrades" : ""));
    }
}
