package io.webmacs.migration.run;

import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.RunnerSpec;
import io.webmacs.migration.config.OperatorSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a DatabaseMigration's migrations run: its spec.runner where set, else the operator's defaults. The one place the
 * two are merged; spec.runner's placement fields (service account, node selector, tolerations, affinity, resources)
 * have no default and are read from {@link #spec()}.
 */
public record EffectiveRunner(RunnerSpec spec, String image, List<String> command, long activeDeadlineSeconds, int retryLimit) {

    /**
     * Why this runner's image may not run, or empty when it may: the operator's own image and those its settings allow;
     * a Job runs the image with the database's credentials.
     */
    public Optional<String> imageRefusal(OperatorSettings.Runner defaults) {
        List<String> allowed = new ArrayList<>(List.of(defaults.image()));
        defaults.allowedImages().ifPresent(allowed::addAll);
        return allowed.contains(image) ? Optional.empty() : Optional.of("spec.runner.image " + image + " is not an image the"
                + " operator may run with the database's credentials (" + String.join(", ", allowed) + "); use one of those, or"
                + " add it to the operator's runner.allowedImages");
    }

    public static EffectiveRunner of(DatabaseMigration resource, OperatorSettings.Runner defaults) {
        RunnerSpec spec = Optional.ofNullable(resource.getSpec().getRunner()).orElseGet(RunnerSpec::new);
        return new EffectiveRunner(spec,
                Optional.ofNullable(spec.getImage()).orElse(defaults.image()),
                defaults.command(),
                Optional.ofNullable(spec.getActiveDeadlineSeconds()).orElse(defaults.activeDeadlineSeconds()),
                Optional.ofNullable(spec.getRetryLimit()).orElse(defaults.retryLimit()));
    }
}
