package io.webmacs.migration.operator;

import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.RunnerSpec;
import java.util.List;
import java.util.Optional;

/**
 * How a DatabaseMigration's migrations run: its spec.runner where set, else the operator's defaults. The one place the
 * two are merged; spec.runner's placement fields (service account, node selector, tolerations, affinity, resources)
 * have no default and are read from {@link #spec()}.
 */
public record EffectiveRunner(RunnerSpec spec, String image, List<String> command, long activeDeadlineSeconds, int retryLimit) {

    public static EffectiveRunner of(DatabaseMigration resource, OperatorSettings.Runner defaults) {
        RunnerSpec spec = Optional.ofNullable(resource.getSpec().getRunner()).orElseGet(RunnerSpec::new);
        return new EffectiveRunner(spec,
                Optional.ofNullable(spec.getImage()).orElse(defaults.image()),
                defaults.command(),
                Optional.ofNullable(spec.getActiveDeadlineSeconds()).orElse(defaults.activeDeadlineSeconds()),
                Optional.ofNullable(spec.getRetryLimit()).orElse(defaults.retryLimit()));
    }
}
