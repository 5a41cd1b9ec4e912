package io.webmacs.migration.testsupport;

import io.webmacs.migration.config.OperatorSettings;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Operator-wide runner defaults for tests that build Jobs or init containers without a running operator. */
public final class RunnerDefaults {

    public static final OperatorSettings.Runner RUNNER = new OperatorSettings.Runner() {
        public String image() { return "registry.example/webmacs-migration-operator:1.0"; }
        public Optional<List<String>> allowedImages() { return Optional.empty(); }
        public List<String> command() { return List.of("java", "-jar", "/deployments/webmacs-migrate.jar"); }
        public long activeDeadlineSeconds() { return 600; }
        public int retryLimit() { return 5; }
        public Duration retryBackoff() { return Duration.ofSeconds(10); }
        public Duration maxRetryBackoff() { return Duration.ofMinutes(10); }
        public Duration successfulJobTtl() { return Duration.ofHours(1); }
    };

    private RunnerDefaults() {
    }
}
