package io.webmacs.migration.cli.approve;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.cli.wait.KubernetesApi;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.CurrentCondition;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.PlanConfigMapKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code approve} verb's work: read the plan a DatabaseMigration awaits approval for (status.plan and the ConfigMap
 * with its SQL), show it, and set the approved-plan annotation to its hash.
 */
public final class ApprovePlan {

    /** What it needs, for the message when access is refused. */
    private static final String NEEDS = "get and patch on " + DatabaseMigration.PLURAL + "." + DatabaseMigration.GROUP
            + ", and get on configmaps";

    private ApprovePlan() {
    }

    /** What approve ended with: the JSON result, the text to print (the plan, then the approval), or the failure. */
    public record Outcome(ApproveResult result, String text, MigrationException failure) {
    }

    /** Approves the plan {@code name} in {@code namespace} awaits; with {@code expectedHash}, only if it is that plan. */
    public static Outcome approve(String name, String namespace, String expectedHash, Path kubeconfig, Map<String, String> environment) {
        long started = System.nanoTime();
        Config config = KubernetesApi.config(kubeconfig, environment);
        String inNamespace = namespace != null ? namespace : KubernetesApi.namespace(config);
        try (KubernetesClient client = KubernetesApi.client(config)) {
            GenericKubernetesResource migration = client.genericKubernetesResources(KubernetesApi.DATABASE_MIGRATIONS)
                    .inNamespace(inNamespace).withName(name).get();
            String hash = awaitedPlan(migration, inNamespace + "/" + name);
            if (expectedHash != null && !expectedHash.equals(hash)) {
                throw new MigrationException(Failure.PLAN_CHANGED, "DatabaseMigration " + inNamespace + "/" + name + " awaits approval"
                        + " of plan " + hash + ", not " + expectedHash + ": the plan changed; review it again.");
            }
            String plan = planText(client, inNamespace, migration.get("status", "plan", "configMap"), hash);
            client.genericKubernetesResources(KubernetesApi.DATABASE_MIGRATIONS).inNamespace(inNamespace).withName(name)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(
                            Map.of("metadata", Map.of("annotations", Map.of(DatabaseMigration.APPROVED_PLAN, hash)))));
            return new Outcome(ApproveResult.approved(name, inNamespace, hash, millisSince(started)),
                    plan + "\nApproved plan " + hash + " of DatabaseMigration " + inNamespace + "/" + name + "; the migration runs now.\n", null);
        } catch (KubernetesClientException e) {
            MigrationException failure = KubernetesApi.failure(e, config, inNamespace, "read or annotate " + DatabaseMigration.PLURAL, NEEDS);
            return new Outcome(ApproveResult.failed(name, inNamespace, failure, millisSince(started)), null, failure);
        } catch (MigrationException e) {
            return new Outcome(ApproveResult.failed(name, inNamespace, e, millisSince(started)), null, e);
        }
    }

    /** The hash of the plan the resource awaits approval for, for its current generation; else why there is none. */
    private static String awaitedPlan(GenericKubernetesResource migration, String which) {
        if (migration == null) {
            throw new MigrationException(Failure.NOTHING_TO_APPROVE, "DatabaseMigration " + which + " not found.");
        }
        Long generation = migration.getMetadata().getGeneration();
        List<Map<String, Object>> conditions = migration.get("status", "conditions");
        Map<String, Object> reconciling = conditions == null ? null
                : conditions.stream().filter(c -> Conditions.RECONCILING.equals(c.get("type"))).findFirst().orElse(null);
        boolean awaiting = CurrentCondition.isTrue(generation, migration.get("status"), reconciling)
                && Conditions.AWAITING_APPROVAL.equals(reconciling.get("reason"));
        String hash = migration.get("status", "plan", "hash");
        if (!awaiting || hash == null) {
            String seen = reconciling == null ? "no status yet" : reconciling.get("reason") + ": " + reconciling.get("message");
            throw new MigrationException(Failure.NOTHING_TO_APPROVE, "DatabaseMigration " + which + " awaits no approval ("
                    + seen + ").");
        }
        return hash;
    }

    private static String planText(KubernetesClient client, String namespace, String configMap, String hash) {
        ConfigMap plan = configMap == null ? null : client.configMaps().inNamespace(namespace).withName(configMap).get();
        if (plan == null || plan.getData() == null || plan.getData().get(PlanConfigMapKeys.TEXT) == null || !hash.equals(plan.getData().get(PlanConfigMapKeys.HASH))) {
            return "(The ConfigMap " + configMap + " does not hold this plan's SQL yet; status.plan has its summary.)\nPlan hash: " + hash + "\n";
        }
        return plan.getData().get(PlanConfigMapKeys.TEXT);
    }

    private static long millisSince(long started) {
        return Duration.ofNanos(System.nanoTime() - started).toMillis();
    }
}
