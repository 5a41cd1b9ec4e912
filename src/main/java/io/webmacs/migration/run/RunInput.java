package io.webmacs.migration.run;

import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.config.OperatorSettings;
import io.webmacs.migration.contract.MigrationException;

/**
 * What a migration run of a resource is made of: its changelog, the runner image and their fingerprint. The reconciler
 * and the webhook (InitContainer mode) derive it the same way, so a pod's init container and the status agree on it.
 */
public record RunInput(ChangelogLoader.Loaded changelog, String image, String fingerprint) {

    public static RunInput of(DatabaseMigration resource, ChangelogLoader.Loaded changelog, OperatorSettings.Runner defaults) {
        String image = EffectiveRunner.of(resource, defaults).image();
        return new RunInput(changelog, image, Fingerprint.of(resource.getSpec(), changelog.files(), image));
    }

    /** The target revision with {@code head} resolved; as written in the spec when the changelog cannot tell. */
    public String target(DatabaseMigration resource) {
        String target = resource.getSpec().getTargetRevision();
        if (!changelog.usable()) {
            return target;
        }
        try {
            return changelog.revisions().resolve(target);
        } catch (MigrationException e) {
            return target;
        }
    }
}
