package io.webmacs.migration.cluster;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.api.Conditions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator installed with {@code kubectl apply -f crds/ -f deploy/operator.yaml} on a real API server, running
 * with its ServiceAccount's token: migrations in namespaces that enforce the restricted Pod Security Standard, Jobs
 * turned into pods by the real Job controller and run by the fake kubelet, garbage collection, and watches that survive
 * an API server restart.
 */
@RealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorOnApiServerIT {

    private static final AtomicInteger namespaces = new AtomicInteger();
    private static OperatorCluster operator;
    private static KubernetesClient client;

    @BeforeAll
    static void install() {
        operator = OperatorCluster.installedWithKubectl("operator");
        client = operator.client();
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    void theOperatorsAccountMayNotReadSecrets() {
        ControlPlane.Result canI = operator.cluster().kubectl("auth", "can-i", "get", "secrets", "--all-namespaces",
                "--as=" + OperatorCluster.SERVICE_ACCOUNT);
        assertThat(canI.output().trim()).isEqualTo("no");
        assertThat(operator.cluster().kubectl("auth", "can-i", "create", "jobs", "-n", "default",
                "--as=" + OperatorCluster.SERVICE_ACCOUNT).output().trim()).isEqualTo("yes");
    }

    @Test
    void theRestrictedNamespacesRefuseAPodThatIsNotRestricted() {
        String ns = restrictedNamespace();
        Pod root = new PodBuilder().withNewMetadata().withName("root").withNamespace(ns).endMetadata()
                .withNewSpec().addNewContainer().withName("shell").withImage("debian:12").endContainer().endSpec().build();

        assertThatThrownBy(() -> client.resource(root).create()).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("violates PodSecurity \"restricted:latest\"");
    }

    @Test
    void anEmptyDatabaseBecomesReadyAtHeadInARestrictedNamespaceAndStaysQuiet() throws InterruptedException {
        String ns = restrictedNamespace();
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();

        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        Job job = Fixtures.jobs(client, ns).get(0);
        assertThat(job.getStatus().getSucceeded()).as("the real Job controller completed the Job").isEqualTo(1);
        assertThat(job.getStatus().getConditions()).anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));

        String settled = ready.getMetadata().getResourceVersion();
        TimeUnit.MINUTES.sleep(1);
        assertThat(get(ns, "webmacs").getMetadata().getResourceVersion()).as("no status writes while idle").isEqualTo(settled);
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);
    }

    @Test
    void aFailingChangesetStallsNamingIt() {
        String ns = restrictedNamespace();
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "app-db", db);
        Fixtures.changelogConfigMap(client, ns, "app-changelog", "changelog.yaml", Fixtures.FAILING_CHANGELOG);
        DatabaseMigration migration = Fixtures.migration(ns, "app", "app-db", "head");
        migration.getSpec().setChangelog(Fixtures.changelogFrom("app-changelog"));

        client.resource(migration).create();

        DatabaseMigration stalled = awaitMigration(ns, "app", m -> assertThatMigration(m).isStalled(Conditions.CHANGESET_FAILED)
                .hasRevision("v1").hasMessageContaining("no_such_table"));
        assertThat(stalled.getStatus().getLastRun().getFailedChangeset()).isEqualTo("changelog.yaml::broken::app");
        assertThat(Fixtures.jobs(client, ns)).singleElement().satisfies(job -> assertThat(job.getStatus().getConditions())
                .anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus())));
    }

    @Test
    void aMissingSecretStallsWithTheKubeletsMessage() {
        String ns = restrictedNamespace();

        client.resource(Fixtures.migration(ns, "webmacs", "no-such-secret", "head")).create();

        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.SECRET_NOT_FOUND)
                .hasMessageContaining("no-such-secret"));
    }

    @Test
    void deletingTheMigrationGarbageCollectsItsJobsAndKeepsTheRows() {
        String ns = restrictedNamespace();
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady());
        db.execute("INSERT INTO users (public_id, email, username, password_hash) VALUES ('u1', 'a@example.org', 'a', 'x')");

        client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").delete();

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            assertThat(Fixtures.jobs(client, ns)).as("the garbage collector removed the Jobs").isEmpty();
            assertThat(client.pods().inNamespace(ns).list().getItems()).as("and their pods").isEmpty();
        });
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(db.count("users")).isEqualTo(1);
    }

    @Test
    void waitAndKubectlWaitReturnOnReadyAcrossAnApiServerRestart() throws Exception {
        String ns = restrictedNamespace();
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        TestDatabase notYetCreated = new TestDatabase(db.port(), db.name() + "_later");
        Fixtures.databaseSecret(client, ns, "webmacs-db", notYetCreated);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReconciling(Conditions.RETRYING));
        Path kubeconfig = operator.cluster().adminKubeconfig();
        Path waitLog = operator.cluster().workDir().resolve("webmacs-migrate-wait.log");
        Process wait = Packaged.cli(List.of("wait", "webmacs", "-n", ns, "--timeout", "4m", "--kubeconfig", kubeconfig.toString()),
                Map.of(), waitLog);
        Process kubectlWait = new ProcessBuilder(operator.cluster().kubectlCommand("wait", "--for=condition=Ready", "dbm/webmacs",
                "-n", ns, "--timeout=4m")).redirectErrorStream(true)
                .redirectOutput(operator.cluster().workDir().resolve("kubectl-wait.log").toFile()).start();
        // Restart only once both watch: webmacs-migrate wait prints what it saw first; kubectl starts quicker than a JVM.
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(waitLog).contains("webmacs: "));

        operator.cluster().restartApiServer();
        db.execute("CREATE DATABASE " + notYetCreated.name());

        assertThat(wait.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(wait.exitValue()).as("webmacs-migrate wait").isZero();
        assertThat(kubectlWait.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(kubectlWait.exitValue()).as("kubectl wait").isZero();
        assertThatMigration(get(ns, "webmacs")).isReady().hasRevision("005_oidc_sso");
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void everyCallTheOperatorMadeWasAuthorizedByTheChartsRbac() {
        assertThat(operator.refusedCalls()).isEmpty();
    }

    private static String restrictedNamespace() {
        return operator.restrictedNamespace("restricted-" + namespaces.incrementAndGet());
    }

    private static DatabaseMigration get(String ns, String name) {
        return operator.migration(ns, name);
    }

    private static DatabaseMigration awaitMigration(String ns, String name, Consumer<DatabaseMigration> assertion) {
        return operator.awaitMigration(ns, name, assertion);
    }
}
