package io.webmacs.migration.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.PlanConfigMapKeys;
import io.webmacs.migration.reconciler.PlanConfigMap;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** What the operator tests do to a DatabaseMigration as a user would: wait for what it shows, change it, approve a plan. */
public final class Migrations {

    private Migrations() {
    }

    /** The resource once {@code assertion} holds for it. */
    public static DatabaseMigration awaitMigration(KubernetesClient client, String ns, String name, Consumer<DatabaseMigration> assertion) {
        DatabaseMigration[] last = new DatabaseMigration[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            last[0] = client.resources(DatabaseMigration.class).inNamespace(ns).withName(name).get();
            assertion.accept(last[0]);
        });
        return last[0];
    }

    /** Changes the resource: read, modify, write, and again when the operator wrote in between. */
    public static void edit(KubernetesClient client, String ns, String name, Consumer<DatabaseMigration> change) {
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() -> {
            client.resources(DatabaseMigration.class).inNamespace(ns).withName(name).edit(m -> {
                change.accept(m);
                return m;
            });
            return true;
        });
    }

    /** The plan ConfigMap NAME-plan once it holds the plan {@code hash}, within {@code timeout}. */
    public static ConfigMap awaitPlanConfigMap(KubernetesClient client, String ns, String name, String hash, Duration timeout) {
        ConfigMap[] plan = new ConfigMap[1];
        await().atMost(timeout).untilAsserted(() -> {
            plan[0] = client.configMaps().inNamespace(ns).withName(name + "-plan").get();
            assertThat(plan[0]).isNotNull();
            assertThat(plan[0].getData()).containsEntry(PlanConfigMapKeys.HASH, hash);
        });
        return plan[0];
    }

    /** What kubectl annotate --overwrite migrations.webmacs.io/approved-plan=HASH does. */
    public static void approve(KubernetesClient client, String ns, String name, String hash) {
        edit(client, ns, name, m -> {
            Map<String, String> annotations = new HashMap<>(m.getMetadata().getAnnotations() == null ? Map.of() : m.getMetadata().getAnnotations());
            annotations.put(DatabaseMigration.APPROVED_PLAN, hash);
            m.getMetadata().setAnnotations(annotations);
        });
    }
}
