package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.RolloutMode;
import io.webmacs.migration.api.SchemaPhase;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.gate.Gates;
import io.webmacs.migration.gate.WebhookServer;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.JobExecutor;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebhookClient;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rollout gate end to end against the mock API server: the operator's webhook endpoint answers the
 * AdmissionReview the API server would send for a new WebMACS pod, the pod is created with that patch applied (as the
 * API server would), and once the migration Job has really run, the operator lifts the gate; in InitContainer mode the
 * pod's injected init container really runs the migration and the operator reports what it did.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RolloutGateReconcileTest {

    @Inject
    KubernetesClient client;

    @Inject
    WebhookServer webhook;

    @Test
    void newBackendPodsWaitUntilTheMigrationIsReadyAndOtherPodsNever() throws Exception {
        JobExecutor executor = JobExecutor.running(client);
        String ns = Fixtures.newNamespace(client);
        Fixtures.databaseSecret(client, ns, "webmacs-db", EmbeddedPostgresServer.newDatabase());
        executor.hold(ns);
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        migration.getSpec().setRollout(Fixtures.rolloutOf("webmacs-backend"));
        client.resource(migration).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.jobs(client, ns).size() == 1);

        WebhookClient apiServer = new WebhookClient(webhook.port(), webhook.caPem());
        JsonNode backendAnswer = apiServer.admit("backend-pod.json", ns);
        JsonNode otherAnswer = apiServer.admit("other-pod.json", ns);

        assertThat(backendAnswer.at("/response/allowed").asBoolean()).isTrue();
        assertThat(backendAnswer.at("/response/patchType").asText()).isEqualTo("JSONPatch");
        assertThat(otherAnswer.at("/response/allowed").asBoolean()).isTrue();
        assertThat(otherAnswer.at("/response").has("patch")).isFalse();

        Pod gated = client.resource(WebhookClient.admittedPod("backend-pod.json", ns, backendAnswer)).create();
        assertThat(gated.getSpec().getSchedulingGates()).extracting(g -> g.getName()).containsExactly("migrations.webmacs.io/webmacs");

        executor.release(ns);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThatMigration(client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").get()).isReady();
            assertThat(client.pods().inNamespace(ns).withName(gated.getMetadata().getName()).get().getSpec().getSchedulingGates())
                    .isEmpty();
        });
        assertThat(apiServer.admit("backend-pod.json", ns).at("/response").has("patch")).as("no gate once Ready").isFalse();
    }

    @Test
    void contractWaitsUntilTheDeploymentHasRolledOutWhileTheNewPodsMayStart() {
        JobExecutor.running(client);
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);
        Deployment backend = client.resource(new DeploymentBuilder().withNewMetadata().withName("webmacs-backend").withNamespace(ns)
                .endMetadata().withNewSpec().withReplicas(2).withNewSelector().addToMatchLabels("app", "webmacs-backend").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "webmacs-backend").endMetadata().withNewSpec()
                .addNewContainer().withName("backend").withImage("registry.example.com/webmacs-backend:1.0").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        rolledOut(backend, 1); // one of two replicas updated: an old pod still serves
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        migration.getSpec().setRollout(Fixtures.rolloutOf("webmacs-backend"));
        client.resource(migration).create();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThatMigration(get(ns)).isReconciling(Conditions.WAITING_FOR_ROLLOUT).hasMessageContaining("1 of 2 replicas");
            assertThat(get(ns).getStatus().getPhase()).isEqualTo(SchemaPhase.Expanded);
        });
        assertThat(Gates.readyForGeneration(get(ns))).as("the new pods may start").isTrue();
        assertThat(db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name"
                + " IN ('admin', 'role') ORDER BY 1")).as("the old application's column is still there").containsExactly("admin", "role");
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);

        rolledOut(backend, 2);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThatMigration(get(ns)).isReady().hasRevision("005_oidc_sso");
            assertThat(get(ns).getStatus().getPhase()).isEqualTo(SchemaPhase.Contracted);
        });
        assertThat(db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND column_name"
                + " IN ('admin', 'role')")).containsExactly("role");
        assertThat(get(ns).getStatus().getLastRun().getCommand()).isEqualTo("upgrade 005_oidc_sso --phase contract");
    }

    @Test
    void contractWaitsWhileAPodOfTheRolloutNeedsTheSchemaBeforeIt() {
        JobExecutor.running(client);
        String ns = Fixtures.newNamespace(client);
        Fixtures.databaseSecret(client, ns, "webmacs-db", EmbeddedPostgresServer.newDatabase());
        Pod old = client.resource(declaring(new PodBuilder().withNewMetadata().withName("backend-old").withNamespace(ns)
                .addToLabels("app", "webmacs-backend").endMetadata().withNewSpec().addNewContainer().withName("backend")
                .withImage("registry.example.com/webmacs-backend:0.9").endContainer().endSpec().build(), "<=003_fk_ondelete")).create();
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        migration.getSpec().setRollout(new RolloutSpec());
        migration.getSpec().getRollout().setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "webmacs-backend").build());
        client.resource(migration).create();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThatMigration(get(ns))
                .isReconciling(Conditions.WAITING_FOR_ROLLOUT).hasMessageContaining("backend-old (migrations.webmacs.io/schema: <=003_fk_ondelete)"));
        client.resource(old).withGracePeriod(0).delete();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(get(ns).getStatus().getPhase()).isEqualTo(SchemaPhase.Contracted));
    }

    @Test
    void onceContractedAPodThatNeedsAnEarlierSchemaStaysHeldWithAnEventAndOthersStart() {
        String ns = readyAroundTheBackend();

        Pod rolledBack = client.resource(declaring(gatedPod(ns, "rolled-back", "webmacs"), "<=003_fk_ondelete")).create();
        Pod current = client.resource(declaring(gatedPod(ns, "current", "webmacs"), ">=004_rbac_api_tokens")).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(client.pods().resource(current).get().getSpec().getSchedulingGates()).isEmpty();
            assertThat(client.v1().events().inNamespace(ns).list().getItems())
                    .filteredOn(e -> "rolled-back".equals(e.getInvolvedObject().getName()))
                    .singleElement().satisfies(e -> {
                        assertThat(e.getReason()).isEqualTo(HeldPods.REASON);
                        assertThat(e.getMessage()).contains("<=003_fk_ondelete", "serves 005_oidc_sso");
                    });
        });
        assertThat(client.pods().resource(rolledBack).get().getSpec().getSchedulingGates()).extracting(g -> g.getName())
                .containsExactly("migrations.webmacs.io/webmacs");
    }

    private static Pod declaring(Pod pod, String schema) {
        pod.getMetadata().setAnnotations(Map.of(DatabaseMigration.SCHEMA, schema));
        return pod;
    }

    /** The Deployment controller's status: generation seen, {@code updated} of the replicas updated and available. */
    private void rolledOut(Deployment deployment, int updated) {
        Deployment current = client.resource(deployment).get();
        current.setStatus(new DeploymentStatusBuilder().withObservedGeneration(current.getMetadata().getGeneration())
                .withReplicas(current.getSpec().getReplicas()).withUpdatedReplicas(updated).withAvailableReplicas(updated).build());
        client.resource(current).updateStatus();
    }

    @Test
    void podsWaitingForADeletedMigrationAreReleasedOthersKeepWaiting() {
        JobExecutor executor = JobExecutor.running(client);
        String ns = Fixtures.newNamespace(client);
        executor.hold(ns); // the remaining migration never becomes Ready here
        Fixtures.databaseSecret(client, ns, "webmacs-db", EmbeddedPostgresServer.newDatabase());
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();

        Pod orphan = client.resource(gatedPod(ns, "orphan", "deleted-migration")).create();
        Pod waiting = client.resource(gatedPod(ns, "waiting", "webmacs")).create();

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(client.pods().resource(orphan).get().getSpec().getSchedulingGates()).isEmpty());
        assertThat(client.pods().resource(waiting).get().getSpec().getSchedulingGates())
                .extracting(g -> g.getName()).containsExactly("migrations.webmacs.io/webmacs");
    }

    @Test
    void inInitContainerModeTheBackendPodsInitContainerMigratesAndTheOperatorReportsIt() throws Exception {
        JobExecutor.running(client);
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "webmacs-db", new TestDatabase(closedPort(), db.name()));
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        migration.getSpec().setRollout(Fixtures.rolloutOf("webmacs-backend"));
        migration.getSpec().getRollout().setMode(RolloutMode.InitContainer);
        client.resource(migration).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThatMigration(get(ns)).isReconciling(Conditions.WAITING_FOR_PODS));

        JsonNode answer = new WebhookClient(webhook.port(), webhook.caPem()).admit("backend-pod.json", ns);
        Pod pod = client.resource(WebhookClient.admittedPod("backend-pod.json", ns, answer)).create();
        assertThat(pod.getSpec().getInitContainers()).extracting(c -> c.getName()).containsExactly("migrate");
        assertThat(pod.getSpec().getSchedulingGates()).isEmpty();

        // The database is not reachable yet: the kubelet restarts the init container, the operator says why it waits.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThatMigration(get(ns)).isReconciling(Conditions.RETRYING)
                .hasMessageContaining("pod " + pod.getMetadata().getName()));
        client.secrets().inNamespace(ns).withName("webmacs-db").edit(secret -> {
            secret.setData(null);
            secret.setStringData(Map.of("DATABASE_URL", db.sqlAlchemyUrl()));
            return secret;
        });

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThatMigration(get(ns)).isReady().hasRevision("005_oidc_sso"));
        assertThat(get(ns).getStatus().getLastRun().getPod()).isEqualTo(pod.getMetadata().getName());
        assertThat(get(ns).getStatus().getLastRun().getApplied()).hasSize(6);
        assertThat(db.rows("SELECT tag FROM databasechangelog WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1"))
                .containsExactly("005_oidc_sso");
        assertThat(Fixtures.jobs(client, ns)).as("InitContainer mode runs no Job").isEmpty();
    }

    /** The webhook judges a declared schema range by the revisions of the migration's own changelog (here the built-in one). */
    @Test
    void onceTheDatabaseIsAtHeadAPodOfTheOldApplicationIsHeldSayingWhatItNeeds() throws Exception {
        String ns = readyAroundTheBackend();

        WebhookClient apiServer = new WebhookClient(webhook.port(), webhook.caPem());
        JsonNode oldApp = apiServer.admit("backend-pod-webmacs-003.json", ns);
        JsonNode newApp = apiServer.admit("backend-pod-webmacs-head.json", ns);

        assertThat(WebhookClient.admittedPod("backend-pod-webmacs-003.json", ns, oldApp).getSpec().getSchedulingGates())
                .extracting(g -> g.getName()).containsExactly("migrations.webmacs.io/webmacs");
        assertThat(oldApp.at("/response/warnings/0").asText()).contains("needs the schema <=003_fk_ondelete",
                "DatabaseMigration webmacs serves 005_oidc_sso");
        assertThat(newApp.at("/response").has("patch")).as("the head application runs").isFalse();
    }

    /** A namespace whose migration around the Deployment webmacs-backend really ran and is Ready at 005_oidc_sso. */
    private String readyAroundTheBackend() {
        JobExecutor.running(client);
        String ns = Fixtures.newNamespace(client);
        Fixtures.databaseSecret(client, ns, "webmacs-db", EmbeddedPostgresServer.newDatabase());
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        migration.getSpec().setRollout(Fixtures.rolloutOf("webmacs-backend"));
        client.resource(migration).create();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThatMigration(get(ns)).isReady().hasRevision("005_oidc_sso"));
        return ns;
    }

    private DatabaseMigration get(String ns) {
        return client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").get();
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A pod as the webhook leaves it: gated and labelled for {@code migration}. */
    private static Pod gatedPod(String ns, String name, String migration) {
        return new PodBuilder().withNewMetadata().withName(name).withNamespace(ns).addToLabels(Gates.GATED_BY, migration).endMetadata()
                .withNewSpec().addNewSchedulingGate().withName("migrations.webmacs.io/" + migration).endSchedulingGate()
                .addNewContainer().withName("backend").withImage("registry.example.com/webmacs-backend:1.0").endContainer().endSpec()
                .build();
    }

}
