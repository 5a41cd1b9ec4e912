package io.webmacs.migration.dependent;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseSpec;
import io.webmacs.migration.api.RunnerSpec;
import io.webmacs.migration.api.SecretValueSource;
import io.webmacs.migration.reconciler.Labels;
import io.webmacs.migration.reconciler.ObservedRun;
import io.webmacs.migration.reconciler.OperatorSettings;
import io.webmacs.migration.reconciler.RunDecider.JobRequest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The migration Job: one per run, created once and never updated (Jobs are immutable), garbage-collected with its
 * DatabaseMigration through its owner reference.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.SELECTOR))
public class MigrationJobDependent extends KubernetesDependentResource<Job, DatabaseMigration>
        implements Creator<Job, DatabaseMigration> {

    /** The key under which the reconciler hands over the run to create. */
    public static final String REQUEST = "jobRequest";
    static final String CHANGELOG_DIR = "/changelog";
    /** Prefixed, so they do not collide with the volumes of a pod the container is injected into. */
    static final String CHANGELOG_VOLUME = "webmacs-migrate-changelog";
    static final String TMP_VOLUME = "webmacs-migrate-tmp";
    private static final int MAX_NAME = 40;

    @Inject
    OperatorSettings settings;

    public MigrationJobDependent() {
        super(Job.class);
    }

    /**
     * Owned by its DatabaseMigration, so the garbage collector removes it with it (the operator itself never deletes a
     * Job); the annotations the operator SDK adds still map it back to its DatabaseMigration.
     */
    @Override
    protected void addReferenceHandlingMetadata(Job job, DatabaseMigration primary) {
        job.addOwnerReference(primary).setController(true);
        super.addReferenceHandlingMetadata(job, primary);
    }

    @Override
    protected Job desired(DatabaseMigration resource, Context<DatabaseMigration> context) {
        JobRequest request = context.managedWorkflowAndDependentResourceContext().getMandatory(REQUEST, JobRequest.class);
        return job(resource, request, settings.runner());
    }

    /** The Job for one run of {@code resource}. */
    public static Job job(DatabaseMigration resource, JobRequest request, OperatorSettings.Runner defaults) {
        String name = jobName(resource.getMetadata().getName(), request.fingerprint(), request.attempt());
        RunnerSpec runner = runner(resource);
        Map<String, String> labels = Map.of(
                Labels.MANAGED_BY, Labels.OPERATOR,
                Labels.MIGRATION, resource.getMetadata().getName(),
                Labels.FINGERPRINT, request.fingerprint(),
                Labels.ATTEMPT, Integer.toString(request.attempt()));
        return new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(resource.getMetadata().getNamespace()).withLabels(labels).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(Optional.ofNullable(runner.getActiveDeadlineSeconds()).orElse(defaults.activeDeadlineSeconds()))
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR,
                        Labels.MIGRATION, resource.getMetadata().getName(), Labels.JOB, name)).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(runner.getServiceAccountName())
                .withAutomountServiceAccountToken(false)
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build())
                .withNodeSelector(runner.getNodeSelector())
                .withTolerations(runner.getTolerations())
                .withAffinity(runner.getAffinity())
                .withContainers(migrateContainer(resource, request.command(), request.target(), request.changelogFile(), defaults))
                .withVolumes(volumes(resource))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /**
     * The {@code migrate} container: webmacs-migrate with {@code command target} as its arguments and the database
     * settings as environment; the Job's only container, or an init container of a gated pod.
     */
    public static Container migrateContainer(DatabaseMigration resource, String command, String target, String changelogFile,
            OperatorSettings.Runner defaults) {
        RunnerSpec runner = runner(resource);
        List<String> args = new ArrayList<>(List.of(command, target, "--result-file", "/dev/termination-log"));
        List<VolumeMount> mounts = new ArrayList<>(List.of(mount(TMP_VOLUME, "/tmp", false)));
        if (resource.getSpec().getChangelog() != null) {
            args.addAll(List.of("--changelog", CHANGELOG_DIR + "/" + changelogFile));
            mounts.add(mount(CHANGELOG_VOLUME, CHANGELOG_DIR, true));
        }
        return new ContainerBuilder()
                .withName(ObservedRun.CONTAINER)
                .withImage(Optional.ofNullable(runner.getImage()).orElse(defaults.image()))
                .withCommand(defaults.command())
                .withArgs(args)
                .withEnv(environment(resource.getSpec().getDatabase()))
                .withResources(runner.getResources())
                .withTerminationMessagePath("/dev/termination-log")
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
        if (resource.getSpec().getChangelog() != null) {
            volumes.add(new VolumeBuilder().withName(CHANGELOG_VOLUME).withNewConfigMap()
                    .withName(resource.getSpec().getChangelog().getConfigMapRef().getName()).endConfigMap().build());
        }
        return volumes;
    }

    private static RunnerSpec runner(DatabaseMigration resource) {
        return Optional.ofNullable(resource.getSpec().getRunner()).orElseGet(RunnerSpec::new);
    }

    /** Deterministic, so that a restarted operator finds the Job it created instead of making a second one. */
    public static String jobName(String resourceName, String fingerprint, int attempt) {
        String prefix = resourceName.length() > MAX_NAME ? resourceName.substring(0, MAX_NAME) : resourceName;
        return prefix.replaceAll("-+$", "") + "-" + fingerprint + "-" + attempt;
    }

    /** The database settings as the runner's environment variables; Secrets only by reference. */
    private static List<EnvVar> environment(DatabaseSpec database) {
        List<EnvVar> env = new ArrayList<>();
        env.add(database.getUrl() != null
                ? new EnvVarBuilder().withName("DATABASE_URL").withValue(database.getUrl()).build()
                : fromSecret("DATABASE_URL", database.getUrlFrom()));
        if (database.getUsernameFrom() != null) {
            env.add(fromSecret("DATABASE_USERNAME", database.getUsernameFrom()));
        }
        if (database.getPasswordFrom() != null) {
            env.add(fromSecret("DATABASE_PASSWORD", database.getPasswordFrom()));
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
