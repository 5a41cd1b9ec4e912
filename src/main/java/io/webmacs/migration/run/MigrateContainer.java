package io.webmacs.migration.run;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.webmacs.migration.api.ChangelogMode;
import io.webmacs.migration.api.ChangelogSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseSpec;
import io.webmacs.migration.api.DriftCheckSpec;
import io.webmacs.migration.api.SecretValueSource;
import io.webmacs.migration.config.OperatorSettings;
import io.webmacs.migration.contract.DatabaseVariables;
import io.webmacs.migration.contract.MigrateCommand;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Verb;
import java.util.ArrayList;
import java.util.List;

/** The {@code migrate} container, the same in a migration Job and as the init container the webhook injects. */
public final class MigrateContainer {

    /** The container's name, by which the operator finds its result in a Job's pod or a gated pod. */
    public static final String NAME = "migrate";
    static final String CHANGELOG_DIR = "/changelog";
    /** Prefixed, so they do not collide with the volumes of a pod the container is injected into. */
    static final String CHANGELOG_VOLUME = "webmacs-migrate-changelog";
    static final String TMP_VOLUME = "webmacs-migrate-tmp";
    /** Where the runner writes its JSON result, for the operator to read as the container's termination message. */
    private static final String TERMINATION_LOG = "/dev/termination-log";

    private MigrateContainer() {
    }

    /**
     * The {@code migrate} container: webmacs-migrate with {@code verb target} (just {@code verb} when target is null)
     * as its arguments and the database settings as environment; the Job's only container, or an init container of a
     * gated pod.
     */
    public static Container of(DatabaseMigration resource, Verb verb, String target, String changelogFile,
            OperatorSettings.Runner defaults) {
        return of(resource, verb, target, null, null, changelogFile, defaults);
    }

    /**
     * The same, for one {@code phase} of an upgrade or plan (null: all), and for a migration that runs an approved plan:
     * only if what it would do still has {@code planHash} (or null).
     */
    public static Container of(DatabaseMigration resource, Verb verb, String target, String planHash, Phase phase, String changelogFile,
            OperatorSettings.Runner defaults) {
        EffectiveRunner runner = EffectiveRunner.of(resource, defaults);
        List<VolumeMount> mounts = new ArrayList<>(List.of(mount(TMP_VOLUME, "/tmp", false)));
        String changelog = null;
        String extension = null;
        ChangelogSpec spec = resource.getSpec().getChangelog();
        if (spec != null) {
            // A changelog in the image is where the image has it; a ConfigMap's is where its volume is mounted.
            String file = spec.inImage() ? spec.getPath() : CHANGELOG_DIR + "/" + changelogFile;
            if (spec.getMode() == ChangelogMode.Extend) {
                extension = file;
            } else {
                changelog = file;
            }
            if (!spec.inImage()) {
                mounts.add(mount(CHANGELOG_VOLUME, CHANGELOG_DIR, true));
            }
        }
        MigrateCommand command = new MigrateCommand(verb, target, TERMINATION_LOG, planHash, changelog, runner.spec().getDdlLockTimeout(),
                phase, extension);
        return new ContainerBuilder()
                .withName(NAME)
                .withImage(runner.image())
                .withCommand(runner.command())
                .withArgs(command.args())
                .withEnv(environment(resource, verb))
                .withResources(runner.spec().getResources())
                .withTerminationMessagePath(TERMINATION_LOG)
                .withTerminationMessagePolicy("File")
                .withVolumeMounts(mounts)
                .withSecurityContext(new SecurityContextBuilder().withAllowPrivilegeEscalation(false)
                        .withReadOnlyRootFilesystem(true).withRunAsNonRoot(true)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .withCapabilities(new Capabilities(null, List.of("ALL"))).build())
                .build();
    }

    /** The volumes the {@code migrate} container mounts. */
    public static List<Volume> volumes(DatabaseMigration resource) {
        List<Volume> volumes = new ArrayList<>(List.of(new VolumeBuilder().withName(TMP_VOLUME).withNewEmptyDir().endEmptyDir().build()));
        resource.getSpec().changelogConfigMap().ifPresent(name -> volumes.add(new VolumeBuilder().withName(CHANGELOG_VOLUME)
                .withNewConfigMap().withName(name).endConfigMap().build()));
        return volumes;
    }

    /**
     * The database settings as the runner's environment variables, Secrets only by reference; for a drift check also its
     * scratch database, where it builds a custom changelog's schema; none for listing the changelog's revisions.
     */
    private static List<EnvVar> environment(DatabaseMigration resource, Verb verb) {
        if (verb == Verb.REVISIONS) {
            return List.of(); // it reads the changelog alone: no database, so no credentials
        }
        List<EnvVar> env = environment(resource.getSpec().getDatabase(), DatabaseVariables.TARGET);
        DriftCheckSpec driftCheck = resource.getSpec().getDriftCheck();
        if (verb == Verb.CHECK && driftCheck != null && driftCheck.getDevDatabase() != null) {
            env.addAll(environment(driftCheck.getDevDatabase(), DatabaseVariables.DEV));
        }
        return env;
    }

    private static List<EnvVar> environment(DatabaseSpec database, DatabaseVariables names) {
        List<EnvVar> env = new ArrayList<>();
        env.add(database.getUrl() != null
                ? new EnvVarBuilder().withName(names.url()).withValue(database.getUrl()).build()
                : fromSecret(names.url(), database.getUrlFrom()));
        if (database.getUsernameFrom() != null) {
            env.add(fromSecret(names.username(), database.getUsernameFrom()));
        }
        if (database.getPasswordFrom() != null) {
            env.add(fromSecret(names.password(), database.getPasswordFrom()));
        }
        return env;
    }

    private static EnvVar fromSecret(String name, SecretValueSource source) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withSecretKeyRef(source.getSecretKeyRef()).endValueFrom().build();
    }

    private static VolumeMount mount(String name, String path, boolean readOnly) {
        return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(readOnly).build();
    }
}
