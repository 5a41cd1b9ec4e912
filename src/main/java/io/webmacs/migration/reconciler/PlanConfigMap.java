package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.PlanConfigMapKeys;
import io.webmacs.migration.run.MigrateContainer;
import java.util.Map;
import java.util.Optional;

/**
 * The ConfigMap {@code NAME-plan}, owned by its DatabaseMigration: the whole plan as the plan Job printed it (every
 * statement of SQL), read from its pod's log, for a reviewer to read before approving. The termination message only
 * holds a summary.
 */
public final class PlanConfigMap {

    /** Keeps the ConfigMap under the API server's 1 MiB limit. */
    private static final int MAX_TEXT = 900_000;

    private PlanConfigMap() {
    }

    public static String name(DatabaseMigration resource) {
        return resource.getMetadata().getName() + "-plan";
    }

    /**
     * Why the plan ConfigMap cannot be written, when a ConfigMap of that name exists that is not this DatabaseMigration's
     * (not labelled as the operator's for it): the operator never overwrites somebody else's ConfigMap.
     */
    public static Optional<String> taken(KubernetesClient client, DatabaseMigration resource) {
        ConfigMap existing = client.configMaps().inNamespace(resource.getMetadata().getNamespace()).withName(name(resource)).get();
        Map<String, String> labels = existing == null || existing.getMetadata().getLabels() == null ? Map.of() : existing.getMetadata().getLabels();
        if (existing == null || Labels.OPERATOR.equals(labels.get(Labels.MANAGED_BY))
                && resource.getMetadata().getName().equals(labels.get(Labels.MIGRATION))) {
            return Optional.empty();
        }
        return Optional.of("ConfigMap " + name(resource) + " exists and is not this DatabaseMigration's (it has no labels "
                + Labels.MANAGED_BY + "=" + Labels.OPERATOR + " and " + Labels.MIGRATION + "=" + resource.getMetadata().getName()
                + "); the plan, whose SQL goes there, was not made. Rename or delete that ConfigMap; the operator never"
                + " overwrites it");
    }

    /** Writes {@code plan}, with the text the pod {@code pod} printed; says so in the text when the log cannot be read. */
    public static void write(KubernetesClient client, DatabaseMigration resource, PlanStatus plan, String pod) {
        String namespace = resource.getMetadata().getNamespace();
        ConfigMap configMap = new ConfigMapBuilder()
                .withNewMetadata().withName(name(resource)).withNamespace(namespace)
                .withLabels(Map.of(Labels.MANAGED_BY, Labels.OPERATOR, Labels.MIGRATION, resource.getMetadata().getName()))
                .endMetadata()
                .withData(Map.of(PlanConfigMapKeys.TEXT, text(client, namespace, pod, plan), PlanConfigMapKeys.HASH, plan.getHash(),
                        PlanConfigMapKeys.JOB, plan.getJob()))
                .build();
        configMap.addOwnerReference(resource);
        client.resource(configMap).createOr(NonDeletingOperation::update);
    }

    private static String text(KubernetesClient client, String namespace, String pod, PlanStatus plan) {
        String unreadable = "The plan's text could not be read from the log of the plan Job " + plan.getJob() + " (pod " + pod + "): ";
        if (pod == null) {
            return unreadable + "its pod is gone. Its summary is in status.plan; its hash is " + plan.getHash() + ".\n";
        }
        try {
            String log = client.pods().inNamespace(namespace).withName(pod).inContainer(MigrateContainer.NAME).getLog();
            return log.length() <= MAX_TEXT ? log : log.substring(0, MAX_TEXT) + "\n... (cut at " + MAX_TEXT + " characters: read the"
                    + " rest with kubectl logs " + pod + " -c " + MigrateContainer.NAME + ")\n";
        } catch (KubernetesClientException e) {
            return unreadable + e.getMessage() + ". Its summary is in status.plan; its hash is " + plan.getHash() + ".\n";
        }
    }
}
