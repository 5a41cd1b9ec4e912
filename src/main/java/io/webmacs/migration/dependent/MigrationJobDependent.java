package io.webmacs.migration.dependent;

import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.config.OperatorSettings;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.EffectiveRunner;
import io.webmacs.migration.run.Fingerprint;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.run.MigrateContainer;
import jakarta.inject.Inject;
import java.util.Map;

/**
 * The migration Job (and the plan and drift check Jobs, which run the same container): one per run, created once and
 * never updated (Jobs are immutable), garbage-collected with its DatabaseMigration through its owner reference.
 */
@KubernetesDependent(informer = @Informer(labelSelector = Labels.SELECTOR))
public class MigrationJobDependent extends KubernetesDependentResource<Job, DatabaseMigration>
        implements Creator<Job, DatabaseMigration> {

    /** The key under which the reconciler hands over the run to create. */
    public static final String REQUEST = "jobRequest";
    private static final int MAX_NAME = 40;
    private static final int NAME_DIGEST = 6;

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
        String name = jobName(resource.getMetadata().getName(), request);
        EffectiveRunner runner = EffectiveRunner.of(resource, defaults);
        Map<String, String> labels = Map.of(
                Labels.MANAGED_BY, Labels.OPERATOR,
                Labels.MIGRATION, resource.getMetadata().getName(),
                Labels.FINGERPRINT, request.fingerprint(),
                Labels.ATTEMPT, Integer.toString(request.attempt()),
                Labels.VERB, request.verb().word());
        return new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(resource.getMetadata().getNamespace()).withLabels(labels).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(runner.activeDeadlineSeconds())
                .withNewTemplate()
                .withNewMetadata().withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR,
                        Labels.MIGRATION, resource.getMetadata().getName(), Labels.JOB, name)).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withServiceAccountName(runner.spec().getServiceAccountName())
                .withAutomountServiceAccountToken(false)
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true)
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build())
                .withNodeSelector(runner.spec().getNodeSelector())
                .withTolerations(runner.spec().getTolerations())
                .withAffinity(runner.spec().getAffinity())
                .withContainers(MigrateContainer.of(resource, request.verb(), request.target(), request.planHash(), request.phase(),
                        request.changelogFile(), defaults))
                .withVolumes(MigrateContainer.volumes(resource))
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    /**
     * A migration or plan Job is named by its input and attempt; a drift check, which any input may have, by its
     * number.
     */
    public static String jobName(String resourceName, JobRequest request) {
        return jobName(resourceName, request.verb() == Verb.CHECK ? "drift" : request.fingerprint(), request.attempt());
    }

    /** Deterministic, so that a restarted operator finds the Job it created instead of making a second one. */
    public static String jobName(String resourceName, String fingerprint, int attempt) {
        return namePart(resourceName) + "-" + fingerprint + "-" + attempt;
    }

    /**
     * The resource's name, or for a long one its start and a digest of the whole name, so that two names with the same
     * start keep Jobs of their own; at most {@value #MAX_NAME} characters, which leaves room for the rest in the 63 a
     * Job's name may have (the Job controller puts it in a label).
     */
    private static String namePart(String resourceName) {
        if (resourceName.length() <= MAX_NAME) {
            return resourceName;
        }
        String digest = Fingerprint.of(resourceName).substring(0, NAME_DIGEST);
        // A name may contain dots; a part of a Job's name may not end in one, nor in a dash.
        return resourceName.substring(0, MAX_NAME - NAME_DIGEST - 1).replaceAll("[-.]+$", "") + "-" + digest;
    }
}
