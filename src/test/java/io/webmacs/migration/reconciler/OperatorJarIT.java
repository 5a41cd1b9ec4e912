package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.api.WorkloadReference;
import io.webmacs.migration.config.OperatorMetric;
import io.webmacs.migration.gate.WebhookCertificate;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.ContainerRunner;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.JobExecutor;
import io.webmacs.migration.testsupport.Packaged;
import io.webmacs.migration.testsupport.Scrape;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebhookClient;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator ({@code java -jar target/quarkus-app/quarkus-run.jar}, prod profile, leader election on)
 * against an API server it finds through a kubeconfig: the fabric8 mock server, as nothing better runs here. It is
 * killed mid-run and started again; the Job it created is run through the packaged {@code target/webmacs-migrate.jar},
 * in its own JVM.
 */
class OperatorJarIT {

    private static final String WEBHOOK_CONFIGURATION = "webmacs-migration-operator";
    /** The leader-election Lease, in the kubeconfig's namespace. */
    private static final String LEASE = "webmacs-migration-operator";
    /** The mock server logs every request at INFO; held here because java.util.logging keeps loggers weakly. */
    private static final Logger MOCK_SERVER_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
    }

    private KubernetesMockServer apiServer;
    private Process operator;
    private JobExecutor executor;

    @AfterEach
    void stop() {
        if (executor != null) {
            executor.stop();
        }
        if (operator != null) {
            operator.destroyForcibly();
        }
        if (apiServer != null) {
            apiServer.destroy();
        }
    }

    @Test
    void packagedOperatorSurvivesARestartMidRunMigratesThroughOneJobThenStaysQuiet() throws Exception {
        KubernetesClient client = startApiServer();
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, "default", "webmacs-db", db);
        client.resource(Fixtures.migration("default", "webmacs", "webmacs-db", "head")).create();
        Path kubeconfig = kubeconfig(client.getMasterUrl().toString());

        // The first operator creates the Job and dies before it finishes; the second takes over.
        operator = startOperator(kubeconfig, "target/operator-jar-it-1.log", Map.of());
        await().atMost(Duration.ofSeconds(90)).until(() -> Fixtures.jobs(client, "default").size() == 1);
        operator.destroyForcibly().waitFor();
        operator = startOperator(kubeconfig, "target/operator-jar-it-2.log", Map.of());
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.readString(Path.of("target/operator-jar-it-2.log"))
                .contains("Started event processing"));
        Thread.sleep(3000);
        assertThat(Fixtures.jobs(client, "default")).as("the restarted operator found its Job").hasSize(1);

        executor = JobExecutor.start(client, ContainerRunner.PACKAGED);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            DatabaseMigration m = client.resources(DatabaseMigration.class).inNamespace("default").withName("webmacs").get();
            assertThatMigration(m).isReady().hasRevision("005_oidc_sso");
            assertThat(m.getStatus().getObservedGeneration()).isEqualTo(m.getMetadata().getGeneration());
        });
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));

        String settled = client.resources(DatabaseMigration.class).inNamespace("default").withName("webmacs").get()
                .getMetadata().getResourceVersion();
        Thread.sleep(5000);
        assertThat(client.resources(DatabaseMigration.class).inNamespace("default").withName("webmacs").get()
                .getMetadata().getResourceVersion()).as("no status writes once Ready").isEqualTo(settled);
        assertThat(Fixtures.jobs(client, "default")).hasSize(1);
        assertThat(operator.isAlive()).isTrue();
    }

    @Test
    void packagedOperatorServesTheWebhookOverHttpsTrustedThroughTheCaBundleItMaintains() throws Exception {
        KubernetesClient client = startApiServer();
        WebhookClient apiServerSide = operatorServingTheWebhook(client, "target/operator-jar-it-webhook.log", Map.of());

        String patch = new String(Base64.getDecoder().decode(apiServerSide.admit("backend-pod.json", "default")
                .at("/response/patch").asText()), StandardCharsets.UTF_8);
        assertThat(patch).contains("\"path\":\"/spec/schedulingGates\"", "migrations.webmacs.io/webmacs");
        assertThat(apiServerSide.admit("other-pod.json", "default").at("/response").has("patch")).isFalse();
    }

    /**
     * A deleted replica gets SIGTERM while the Service's endpoints still name it for a moment; the API server calls it as
     * before (on the connection it keeps), and with failurePolicy Ignore a call nobody answers admits the pod ungated.
     */
    @Test
    void packagedOperatorKeepsAnsweringTheWebhookWithItsReadinessDownForAMomentAfterSigterm() throws Exception {
        KubernetesClient client = startApiServer();
        int httpPort = freePort();
        WebhookClient apiServerSide = operatorServingTheWebhook(client, "target/operator-jar-it-shutdown.log",
                Map.of("QUARKUS_HTTP_PORT", Integer.toString(httpPort)));

        // Started: its webhook answers before Quarkus's HTTP server listens, and a SIGTERM before that is no shutdown to test.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> readiness(httpPort) == 200);
        operator.destroy(); // SIGTERM, as the kubelet sends it
        Instant terminated = Instant.now();

        await().atMost(Duration.ofSeconds(3)).untilAsserted(() -> assertThat(readiness(httpPort)).as("not ready: no new endpoints").isEqualTo(503));
        while (Duration.between(terminated, Instant.now()).compareTo(Duration.ofSeconds(3)) < 0) {
            assertThat(apiServerSide.admit("backend-pod.json", "default").at("/response/patchType").asText())
                    .as("%s after SIGTERM", Duration.between(terminated, Instant.now())).isEqualTo("JSONPatch");
            Thread.sleep(100);
        }
        assertThat(operator.waitFor(30, TimeUnit.SECONDS)).as("then it stops, within the grace period").isTrue();
    }

    /** Fencing: a replica that finds its lease held by another stops at once instead of reconciling beside it. */
    @Test
    void packagedOperatorThatLosesItsLeaseExits() throws Exception {
        KubernetesClient client = startApiServer();
        operator = startOperator(kubeconfig(client.getMasterUrl().toString()), "target/operator-jar-it-lease.log", Map.of());
        await().atMost(Duration.ofSeconds(90)).until(() -> client.leases().inNamespace("default").withName(LEASE).get() != null);

        // Taken over as another replica would: an update that loses to the holder's own renewal is tried again.
        await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(KubernetesClientException.class).until(() ->
                client.leases().inNamespace("default").withName(LEASE).edit(lease -> new LeaseBuilder(lease).editSpec()
                        .withHolderIdentity("another-replica").withRenewTime(ZonedDateTime.now()).withLeaseDurationSeconds(60)
                        .endSpec().build()) != null);

        assertThat(operator.waitFor(60, TimeUnit.SECONDS)).as("it exits").isTrue();
        assertThat(operator.exitValue()).isEqualTo(1);
        assertThat(Files.readString(Path.of("target/operator-jar-it-lease.log"))).contains("Lost the lease webmacs-migration-operator; exiting");
    }

    /** webmacs_migration_operator_leader follows the real leader election: 0 while another replica holds the Lease, then 1. */
    @Test
    void packagedOperatorsLeaderGaugeSaysWhetherItHoldsTheLease() throws Exception {
        KubernetesClient client = startApiServer();
        client.resource(new LeaseBuilder().withNewMetadata().withName(LEASE).withNamespace("default").endMetadata().withNewSpec()
                .withHolderIdentity("another-replica").withAcquireTime(ZonedDateTime.now()).withRenewTime(ZonedDateTime.now())
                .withLeaseDurationSeconds(3600).endSpec().build()).create();
        int httpPort = freePort();
        operator = startOperator(kubeconfig(client.getMasterUrl().toString()), "target/operator-jar-it-leader.log",
                Map.of("QUARKUS_HTTP_PORT", Integer.toString(httpPort)));
        URL metrics = URI.create("http://localhost:" + httpPort + "/q/metrics").toURL();

        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() ->
                assertThat(Scrape.of(metrics).value(OperatorMetric.LEADER.exportedName(), Map.of())).hasValue(0.0));
        client.leases().inNamespace("default").withName(LEASE).delete();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(Scrape.of(metrics).value(OperatorMetric.LEADER.exportedName(), Map.of())).hasValue(1.0));
        assertThat(client.leases().inNamespace("default").withName(LEASE).get().getSpec().getHolderIdentity()).isNotEqualTo("another-replica");
    }

    private static int readiness(int httpPort) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + httpPort + "/q/health/ready"))
                .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void packagedOperatorServesACertManagerCertificateFromItsMountedSecretAndLeavesTheCaBundleAlone() throws Exception {
        KubernetesClient client = startApiServer();
        client.resource(webhookConfiguration()).create();
        client.resource(gatedMigration()).create();
        // What cert-manager writes into the Secret the chart mounts: a serving certificate from some CA, and its key.
        WebhookCertificate issued = WebhookCertificate.issue("cert-manager", List.of("localhost"), Instant.now(), Duration.ofDays(90));
        Path mounted = Files.createTempDirectory("webhook-tls");
        Files.writeString(mounted.resolve("tls.crt"), issued.certificatePem());
        Files.writeString(mounted.resolve("tls.key"), issued.privateKeyPem());
        int port = freePort();

        operator = startOperator(kubeconfig(client.getMasterUrl().toString()), "target/operator-jar-it-cert-manager.log", Map.of(
                "WEBMACS_WEBHOOK_PORT", Integer.toString(port), "WEBMACS_WEBHOOK_CONFIGURATION_NAME", WEBHOOK_CONFIGURATION,
                "WEBMACS_WEBHOOK_CERTIFICATE_DIR", mounted.toString()));
        WebhookClient apiServerSide = new WebhookClient(port, issued.caPem());
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().untilAsserted(() ->
                assertThat(apiServerSide.admit("backend-pod.json", "default").at("/response/patchType").asText()).isEqualTo("JSONPatch"));

        assertThat(client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(WEBHOOK_CONFIGURATION).get()
                .getWebhooks().get(0).getClientConfig().getCaBundle()).as("cert-manager's CA injector fills it").isNull();
    }

    /**
     * The packaged operator started with its webhook on, a webhook configuration and a DatabaseMigration that gates the
     * backend's pods; returns the API server's side of the webhook once the operator has published its CA and answers.
     */
    private WebhookClient operatorServingTheWebhook(KubernetesClient client, String log, Map<String, String> env) throws Exception {
        client.resource(webhookConfiguration()).create();
        client.resource(gatedMigration()).create();
        int port = freePort();
        Map<String, String> all = new HashMap<>(env);
        all.putAll(Map.of("WEBMACS_WEBHOOK_PORT", Integer.toString(port), "WEBMACS_WEBHOOK_CONFIGURATION_NAME", WEBHOOK_CONFIGURATION));
        operator = startOperator(kubeconfig(client.getMasterUrl().toString()), log, all);
        String[] caBundle = new String[1];
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
            caBundle[0] = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(WEBHOOK_CONFIGURATION).get()
                    .getWebhooks().get(0).getClientConfig().getCaBundle();
            assertThat(caBundle[0]).isNotBlank();
        });
        WebhookClient apiServerSide = new WebhookClient(port, new String(Base64.getDecoder().decode(caBundle[0]), StandardCharsets.UTF_8));
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() ->
                assertThat(apiServerSide.admit("backend-pod.json", "default").at("/response/patchType").asText()).isEqualTo("JSONPatch"));
        return apiServerSide;
    }

    private static MutatingWebhookConfiguration webhookConfiguration() {
        return new MutatingWebhookConfigurationBuilder().withNewMetadata().withName(WEBHOOK_CONFIGURATION).endMetadata()
                .addNewWebhook().withName("pods.migrations.webmacs.io").withAdmissionReviewVersions("v1").withSideEffects("None")
                .withNewClientConfig().withNewService().withName("webmacs-migration-operator-webhook").withNamespace("default")
                .withPath("/admission/pods").endService().endClientConfig().endWebhook().build();
    }

    /** A DatabaseMigration that gates the pods of the Deployment webmacs-backend, never Ready here. */
    private static DatabaseMigration gatedMigration() {
        DatabaseMigration migration = Fixtures.migration("default", "webmacs", "webmacs-db", "head");
        RolloutSpec rollout = new RolloutSpec();
        rollout.setWorkloadRef(new WorkloadReference());
        rollout.getWorkloadRef().setName("webmacs-backend");
        migration.getSpec().setRollout(rollout);
        return migration;
    }

    /** The mock API server, with the CRD installed. */
    private KubernetesClient startApiServer() {
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        apiServer = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), false);
        apiServer.init();
        // Leader election first asks the API server whether it may use Leases; the mock server cannot answer that itself.
        apiServer.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
                        .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "create", "update", "patch")
                        .endResourceRule().withIncomplete(false).endStatus().build())
                .always();
        KubernetesClient client = apiServer.createClient();
        Fixtures.installCrd(client);
        return client;
    }

    private static Process startOperator(Path kubeconfig, String log, Map<String, String> env) throws java.io.IOException {
        Files.deleteIfExists(Path.of(log)); // the test reads what this run logged
        Map<String, String> all = new HashMap<>(Map.of("KUBECONFIG", kubeconfig.toString(), "QUARKUS_HTTP_PORT", "0",
                "WEBMACS_WEBHOOK_PORT", "0"));
        all.putAll(env);
        return Packaged.operator(all, Path.of(log));
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A kubeconfig for the mock API server; its context namespace is where the leader-election Lease goes. */
    private static Path kubeconfig(String server) throws java.io.IOException {
        return Files.writeString(Files.createTempFile("kubeconfig", ".yaml"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                users: [{name: operator, user: {token: test}}]
                contexts: [{name: mock, context: {cluster: mock, user: operator, namespace: default}}]
                current-context: mock
                """.formatted(server));
    }
}
