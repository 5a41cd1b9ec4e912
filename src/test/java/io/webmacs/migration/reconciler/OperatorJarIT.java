package io.webmacs.migration.reconciler;

import static io.webmacs.migration.reconciler.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.runner.Catalog;
import io.webmacs.migration.runner.EmbeddedPostgresServer;
import io.webmacs.migration.runner.TestDatabase;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
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

    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
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
        Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
        apiServer = new KubernetesMockServer(new Context(), new MockWebServer(), expectations,
                new KubernetesMixedDispatcher(expectations), false);
        apiServer.init();
        // Leader election first asks the API server whether it may use Leases; the mock server cannot answer that itself.
        apiServer.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
                .andReturn(201, new SelfSubjectRulesReviewBuilder().withNewStatus().addNewResourceRule()
                        .withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "create", "update")
                        .endResourceRule().withIncomplete(false).endStatus().build())
                .always();
        KubernetesClient client = apiServer.createClient();
        Fixtures.installCrd(client);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, "default", "webmacs-db", db);
        client.resource(Fixtures.migration("default", "webmacs", "webmacs-db", "head")).create();
        Path kubeconfig = kubeconfig(client.getMasterUrl().toString());

        // The first operator creates the Job and dies before it finishes; the second takes over.
        operator = startOperator(kubeconfig, "target/operator-jar-it-1.log");
        await().atMost(Duration.ofSeconds(90)).until(() -> Fixtures.jobs(client, "default").size() == 1);
        operator.destroyForcibly().waitFor();
        operator = startOperator(kubeconfig, "target/operator-jar-it-2.log");
        await().atMost(Duration.ofSeconds(90)).until(() -> Files.readString(Path.of("target/operator-jar-it-2.log"))
                .contains("Started event processing"));
        Thread.sleep(3000);
        assertThat(Fixtures.jobs(client, "default")).as("the restarted operator found its Job").hasSize(1);

        executor = JobExecutor.start(client, OperatorJarIT::runPackagedCli);
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

    private static Process startOperator(Path kubeconfig, String log) throws java.io.IOException {
        ProcessBuilder start = new ProcessBuilder(JAVA.toString(), "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(new File(log));
        start.environment().put("KUBECONFIG", kubeconfig.toString());
        start.environment().put("QUARKUS_HTTP_PORT", "0");
        return start.start();
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

    /** The migrate container's args and env, run as {@code java -jar target/webmacs-migrate.jar}. */
    private static int runPackagedCli(List<String> args, Map<String, String> env) throws java.io.IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-jar", "target/webmacs-migrate.jar"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(env);
        return builder.start().waitFor();
    }
}
