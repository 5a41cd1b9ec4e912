package io.webmacs.migration.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.dependent.MigrationJobDependent;
import io.webmacs.migration.gate.Gates;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.RunnerDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the operator's own ServiceAccount may write, on a real API server with the chart's RBAC and its
 * operator-limits admission policy as {@code kubectl apply -f crds/ -f deploy/operator.yaml} installs them: the writes
 * the operator makes are let through, the same verbs on what is not its own are refused.
 */
@RealCluster
class OperatorLimitsOnApiServerIT {

    private static final String NS = "lab";

    private static ControlPlane cluster;
    private static KubernetesClient admin;
    private static KubernetesClient operator;

    @BeforeAll
    static void install() throws IOException {
        cluster = ControlPlane.start("limits");
        admin = cluster.client();
        succeeds("create", "namespace", OperatorCluster.NAMESPACE);
        succeeds("apply", "-f", "crds/", "-f", "deploy/operator.yaml");
        succeeds("create", "namespace", NS);
        operator = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(
                cluster.serviceAccountKubeconfig(OperatorCluster.NAMESPACE, OperatorCluster.NAMESPACE)))).build();
        // The policy binding reaches the API server's admission a moment after it is created.
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            admin.configMaps().inNamespace(NS).resource(configMap("probe", Map.of())).createOr(c -> c.update());
            return refused(() -> updatedByTheOperator("probe", c -> withData(c, "x")));
        });
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theOperatorWritesItsOwnPlanConfigMapButNoOtherConfigMap() {
        admin.resource(configMap("app-settings", Map.of())).create();

        operator.resource(configMap("webmacs-plan", Map.of(Labels.MANAGED_BY, Labels.OPERATOR))).create();
        updatedByTheOperator("webmacs-plan", c -> withData(c, "plan 2"));

        assertThatThrownBy(() -> updatedByTheOperator("app-settings", c -> withData(c, "taken")))
                .hasMessageContaining("the operator writes only ConfigMaps it manages");
        assertThatThrownBy(() -> operator.resource(configMap("aws-auth", Map.of())).create())
                .hasMessageContaining("the operator writes only ConfigMaps it manages");
        assertThatThrownBy(() -> updatedByTheOperator("webmacs-plan", c -> {
            c.getMetadata().getLabels().remove(Labels.MANAGED_BY);
            return c;
        })).hasMessageContaining("the operator writes only ConfigMaps it manages");
    }

    @Test
    void theOperatorChangesAPodOnlyToRemoveItsOwnSchedulingGate() {
        Pod pod = admin.resource(new PodBuilder().withNewMetadata().withName("webmacs-backend-1").withNamespace(NS)
                .withLabels(Map.of("app", "webmacs-backend")).endMetadata()
                .withNewSpec().addNewSchedulingGate("migrations.webmacs.io/webmacs").addNewSchedulingGate("example.com/other")
                .addNewContainer().withName("backend").withImage("registry.example/webmacs-backend:1").endContainer().endSpec()
                .build()).create();

        assertThatThrownBy(() -> operator.pods().resource(current(pod)).edit(p -> {
            p.getMetadata().getLabels().put("app", "something-else");
            return p;
        })).hasMessageContaining("the operator changes a pod only to remove its own scheduling gates");
        assertThatThrownBy(() -> Gates.lift(operator, current(pod), "example.com/other"))
                .hasMessageContaining("the operator changes a pod only to remove its own scheduling gates");
        assertThatThrownBy(() -> operator.pods().resource(current(pod)).edit(p -> {
            p.getSpec().getContainers().get(0).setImage("registry.example/credential-reader:1");
            return p;
        })).hasMessageContaining("the operator changes a pod only to remove its own scheduling gates");

        Gates.lift(operator, current(pod), "migrations.webmacs.io/webmacs");

        assertThat(admin.pods().inNamespace(NS).withName(pod.getMetadata().getName()).get().getSpec().getSchedulingGates())
                .extracting(g -> g.getName()).containsExactly("example.com/other");
    }

    @Test
    void theOperatorCreatesItsOwnMigrationJobsButNoJobThatMountsASecret() {
        DatabaseMigration owner = Fixtures.migration(NS, "webmacs", "webmacs-db", "head");
        owner.getMetadata().setUid(UUID.randomUUID().toString());
        Job migration = MigrationJobDependent.job(owner, new JobRequest("0123456789", 1, Verb.UPGRADE, "005_oidc_sso", null),
                RunnerDefaults.RUNNER);
        migration.getMetadata().setNamespace(NS);
        Job secretReader = new JobBuilder(migration).editMetadata().withName("webmacs-0123456789-2").endMetadata()
                .editSpec().editTemplate().editSpec().addNewVolume().withName("token").withNewSecret().withSecretName("other-app")
                .endSecret().endVolume().endSpec().endTemplate().endSpec().build();
        Job notOurs = new JobBuilder(migration).editMetadata().withName("backup").withLabels(Map.of("app", "backup")).endMetadata().build();

        operator.resource(migration).create();

        assertThatThrownBy(() -> operator.resource(secretReader).create())
                .hasMessageContaining("the operator creates only its own migration Jobs");
        assertThatThrownBy(() -> operator.resource(notOurs).create())
                .hasMessageContaining("the operator creates only its own migration Jobs");
    }

    private static ConfigMap configMap(String name, Map<String, String> labels) {
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(NS).withLabels(labels).endMetadata()
                .withData(Map.of("content", "1")).build();
    }

    /** The pod as the API server has it, read as the admin: the operator patches pods from its cache, never reads one. */
    private static Pod current(Pod pod) {
        return admin.pods().resource(pod).get();
    }

    /** Changes a ConfigMap as the operator writes its plan ConfigMap: read, then update (it may not patch one). */
    private static ConfigMap updatedByTheOperator(String name, UnaryOperator<ConfigMap> change) {
        return operator.resource(change.apply(operator.configMaps().inNamespace(NS).withName(name).get())).update();
    }

    private static ConfigMap withData(ConfigMap configMap, String content) {
        configMap.setData(Map.of("content", content));
        return configMap;
    }

    private static boolean refused(Runnable write) {
        try {
            write.run();
            return false;
        } catch (KubernetesClientException e) {
            return e.getCode() == 403 || e.getCode() == 422;
        }
    }

    private static void succeeds(String... args) {
        ControlPlane.Result result = cluster.kubectl(args);
        assertThat(result.exitCode()).as("kubectl %s: %s", String.join(" ", args), result.output()).isZero();
    }
}
