package io.webmacs.migration.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Operator-wide defaults, from application.properties or WEBMACS_* environment variables. */
@ConfigMapping(prefix = "webmacs")
public interface OperatorSettings {

    Runner runner();

    LeaderElection leaderElection();

    Webhook webhook();

    /** The pod admission webhook that holds WebMACS pods until their migration is Ready. */
    interface Webhook {
        @WithDefault("true")
        boolean enabled();

        /** The HTTPS port; 0 picks a free one. */
        @WithDefault("8443")
        int port();

        /** The MutatingWebhookConfiguration whose caBundle the operator keeps; none: the operator does not patch one. */
        java.util.Optional<String> configurationName();

        /** The Service in front of the webhook, named in the certificate. */
        @WithDefault("webmacs-migration-operator-webhook")
        String serviceName();

        @WithDefault("365d")
        Duration certificateValidity();

        /**
         * A directory holding tls.crt and tls.key (cert-manager's Secret, mounted): served instead of a self-issued
         * certificate and reloaded when it changes; the caBundle is then cert-manager's to fill.
         */
        java.util.Optional<java.nio.file.Path> certificateDir();

        /** How often gates of pods whose DatabaseMigration was deleted are looked for and lifted. */
        @WithDefault("1m")
        Duration orphanSweepInterval();
    }

    /** Leader election between operator replicas. */
    interface LeaderElection {
        @WithDefault("true")
        boolean enabled();
    }

    /** Defaults of the migration Job, each overridable per resource in spec.runner. */
    interface Runner {
        /** The image with webmacs-migrate; the operator's own image by default. */
        @WithDefault("ghcr.io/webmacs/webmacs-migration-operator:latest")
        String image();

        /**
         * Images besides {@link #image()} that a DatabaseMigration's spec.runner.image may name. A Job runs its image with
         * the database's credentials, so any other is refused before a Job exists.
         */
        Optional<List<String>> allowedImages();

        /**
         * What starts the CLI in the image; the Job's args are webmacs-migrate's arguments. The operator's image holds
         * the CLI's classes and libraries in its Quarkus application layout and, in webmacs-migrate.args, the JVM
         * options, class path and main class that start them with the image's class-data-sharing archive.
         */
        @WithDefault("java,@/deployments/webmacs-migrate.args")
        List<String> command();

        @WithDefault("600")
        long activeDeadlineSeconds();

        @WithDefault("5")
        int retryLimit();

        /** The wait before the first retry; each further retry waits twice as long, plus up to 20% jitter. */
        @WithDefault("10s")
        Duration retryBackoff();

        @WithDefault("10m")
        Duration maxRetryBackoff();

        /** How long a successful Job (and its pod's logs) stays after it finished. */
        @WithDefault("1h")
        Duration successfulJobTtl();
    }
}
