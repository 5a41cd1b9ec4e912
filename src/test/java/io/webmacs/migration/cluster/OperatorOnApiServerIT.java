package io.webmacs.migration.cluster;

import static io.webmacs.migration.cluster.Kstatus.Status.Current;
import static io.webmacs.migration.cluster.Kstatus.Status.Failed;
import static io.webmacs.migration.cluster.Kstatus.Status.InProgress;
import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.testsupport.BusyReaders;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Packaged;
import io.webmacs.migration.testsupport.TestDatabase;
import java.nio.charset.StandardCharsets;
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
 * turned into pods by the real Job controller, scheduled by the real scheduler and run by the real kubelet, drift checks,
 * garbage collection, and watches that survive an API server restart. Every state is also checked with kstatus, as Flux
 * and Helm's --wait see it.
 */
@RealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorOnApiServerIT {

    /** The namespace of a DatabaseMigration applied before the operator ran; its pod waits for the cordoned node. */
    /** The name of its control plane, whose audit log {@link RbacAuditIT} reads. */
    static final String CLUSTER = "operator";
    private static final String FRESH = "restricted-fresh";
    private static final AtomicInteger namespaces = new AtomicInteger();
    private static OperatorCluster operator;
    private static KubernetesClient client;
    private static TestDatabase freshDb;

    @BeforeAll
    static void install() {
        operator = OperatorCluster.installedWithKubectl(CLUSTER, OperatorOnApiServerIT::applyBeforeTheOperatorRuns);
        client = operator.client();
    }

    /** A DatabaseMigration just applied, with no operator to see it yet: kstatus must not call it Current. */
    private static void applyBeforeTheOperatorRuns(OperatorCluster cluster) {
        cluster.restrictedNamespace(FRESH);
        freshDb = cluster.newDatabase();
        Fixtures.databaseSecret(cluster.client(), FRESH, "webmacs-db", freshDb);

        cluster.client().resource(Fixtures.migration(FRESH, "webmacs", "webmacs-db", "head")).create();

        cluster.awaitMigration(FRESH, "webmacs", InProgress, m -> assertThatMigration(m).isUnobserved());
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
    @Order(1) // first: the Job of the resource applied before the operator ran waits for the cordoned node meanwhile
    void anEmptyDatabaseAppliedBeforeTheOperatorRanBecomesReadyAtHeadInARestrictedNamespaceAndStaysQuiet() throws InterruptedException {
        try {
            awaitMigration(FRESH, "webmacs", InProgress, m -> assertThatMigration(m).isReconciling(Conditions.MIGRATING));
        } finally {
            operator.node().uncordon();
        }

        DatabaseMigration ready = awaitMigration(FRESH, "webmacs", Current,
                m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
        assertThat(Catalog.of(freshDb)).containsExactlyElementsOf(Catalog.reference("005"));
        Job job = Fixtures.jobs(client, FRESH).get(0);
        assertThat(job.getStatus().getSucceeded()).as("the real Job controller completed the Job").isEqualTo(1);
        assertThat(job.getStatus().getConditions()).anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));

        String settled = ready.getMetadata().getResourceVersion();
        TimeUnit.MINUTES.sleep(1);
        assertThat(get(FRESH, "webmacs").getMetadata().getResourceVersion()).as("no status writes while idle").isEqualTo(settled);
        assertThat(Fixtures.jobs(client, FRESH)).hasSize(1);
    }

    @Test
    void aFailingChangesetStallsNamingItAndEarlierFailedJobsGoWhenANewRunStarts() {
        String ns = restrictedNamespace();

        createAppWithChangelog(ns, Fixtures.FAILING_CHANGELOG);

        DatabaseMigration stalled = awaitMigration(ns, "app", Failed, m -> assertThatMigration(m).isStalled(Conditions.CHANGESET_FAILED)
                .hasRevision("v1").hasMessageContaining("no_such_table"));
        assertThat(stalled.getStatus().getLastRun().getFailedChangeset()).isEqualTo("changelog.yaml::broken::app");
        Job first = Fixtures.jobs(client, ns).get(0);
        assertThat(first.getStatus().getConditions()).anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()));

        // Two fixes that still fail: each a new run; when the third starts, the last failed Job stays for its logs and
        // the earlier one goes.
        changeChangelog(ns, "no_such_table", "still_no_such_table");
        awaitMigration(ns, "app", Failed, m -> assertThatMigration(m).isStalled(Conditions.CHANGESET_FAILED)
                .hasMessageContaining("still_no_such_table"));
        Job second = Fixtures.jobs(client, ns).stream().filter(job -> !job.getMetadata().getUid().equals(first.getMetadata().getUid()))
                .findFirst().orElseThrow();
        changeChangelog(ns, "no_such_table", "never_such_table");

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(Fixtures.jobs(client, ns))
                .extracting(job -> job.getMetadata().getUid()).hasSize(2).contains(second.getMetadata().getUid())
                .doesNotContain(first.getMetadata().getUid()));
    }

    private static void changeChangelog(String ns, String table, String instead) {
        client.configMaps().inNamespace(ns).withName("app-changelog").edit(changelog -> {
            changelog.getData().put("changelog.yaml", Fixtures.FAILING_CHANGELOG.replace(table, instead));
            return changelog;
        });
    }

    @Test
    void aMissingSecretStallsWithTheKubeletsMessage() {
        String ns = restrictedNamespace();

        client.resource(Fixtures.migration(ns, "webmacs", "no-such-secret", "head")).create();

        awaitMigration(ns, "webmacs", Failed, m -> assertThatMigration(m).isStalled(Conditions.SECRET_NOT_FOUND)
                .hasMessageContaining("no-such-secret"));
    }

    @Test
    void aHandDroppedIndexIsDriftWhileReadyAndDeletingTheMigrationRemovesItsJobsButKeepsTheDatabase() {
        String ns = restrictedNamespace();
        TestDatabase db = operator.newDatabase();
        Cli.against(db).ok("upgrade");
        db.execute("INSERT INTO users (public_id, email, username, password_hash) VALUES ('u1', 'a@example.org', 'a', 'x')");
        db.execute("DROP INDEX ix_users_email");
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);

        client.resource(Fixtures.checkedEvery("1h", Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        DatabaseMigration drifted = awaitMigration(ns, "webmacs", Current, m -> assertThatMigration(m).isReady()
                .hasRevision("005_oidc_sso").isDrifted("True", Conditions.SCHEMA_DRIFT));
        assertThat(drifted.getStatus().getDrift().getSummary()).containsExactly("missing index users.ix_users_email");
        assertThat(Fixtures.jobs(client, ns)).as("the check ran in a Job of its own, beside the migration's")
                .extracting(job -> job.getMetadata().getLabels().get(Labels.VERB)).containsExactlyInAnyOrder("upgrade", "check");

        client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").delete();

        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> {
            assertThat(Fixtures.jobs(client, ns)).as("the garbage collector removed the Jobs").isEmpty();
            assertThat(client.pods().inNamespace(ns).list().getItems()).as("and their pods").isEmpty();
        });
        assertThat(Catalog.of(db)).as("the schema as it was, the index still missing")
                .containsExactlyElementsOf(Catalog.reference("005").stream().filter(fact -> !fact.contains("ix_users_email")).toList());
        assertThat(db.count("users")).isEqualTo(1);
    }

    @Test
    void waitAndKubectlWaitReturnOnReadyAcrossAnApiServerRestart() throws Exception {
        String ns = restrictedNamespace();
        TestDatabase db = operator.newDatabase();
        TestDatabase notYetCreated = new TestDatabase(db.host(), db.port(), db.name() + "_later");
        Fixtures.databaseSecret(client, ns, "webmacs-db", notYetCreated);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        awaitMigration(ns, "webmacs", InProgress, m -> assertThatMigration(m).isReconciling(Conditions.RETRYING));
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
        awaitMigration(ns, "webmacs", Current, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
    }

    /**
     * A busy WebMACS: forty sessions keep a read of users open while the upgrade from 003 waits for its lock, then end.
     * The kubelet keeps the last 4 KiB of a termination message; the run's result fits in them, so the status names the
     * first blockers and is Ready at head.
     */
    @Test
    void aRunBlockedByFortySessionsIsReadFromTheKubeletsTerminationMessageAndBecomesReady() throws Exception {
        String ns = restrictedNamespace();
        TestDatabase db = operator.newDatabase();
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);
        try (BusyReaders readers = BusyReaders.on(db, 40)) {
            client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
            await().atMost(Duration.ofMinutes(1)).until(() -> db.rows("SELECT count(*) FROM pg_locks WHERE NOT granted"
                    + " AND relation = 'users'::regclass").equals(List.of("1")));
            Thread.sleep(3000); // a few of the guard's attempts, which its blocker watch follows every 200 ms
        }

        DatabaseMigration ready = awaitMigration(ns, "webmacs", Current, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getLastRun().getBlockedBy()).hasSize(5)
                .allSatisfy(blocker -> assertThat(blocker).contains("application 'webmacs-worker-"));
        assertThat(ready.getStatus().getLastRun().getBlockedByOmitted()).isEqualTo(35);
        assertThat(terminationMessage(client.pods().inNamespace(ns).list().getItems().get(0))).as("what the kubelet kept")
                .satisfies(message -> assertThat(message.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096))
                .contains("\"blockedByOmitted\":35");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    /**
     * The migration's pod is deleted while its runner is in the middle of a changeset, as a drain or an eviction does:
     * the kubelet sends SIGTERM and waits out the grace period. The runner's session ends with it, within the grace
     * period, so the server rolls the changeset back and releases the migration lock at once; the next attempt applies it
     * once.
     */
    @Test
    void aMigrationPodDeletedMidChangesetEndsItsSessionAndTheNextAttemptAppliesTheChangesetOnce() {
        String ns = restrictedNamespace();
        TestDatabase db = createAppWithChangelog(ns, Fixtures.INTERRUPTIBLE_CHANGELOG);
        String session = db.awaitSleepingRunner();
        Pod pod = client.pods().inNamespace(ns).list().getItems().get(0);

        client.pods().resource(pod).delete(); // the pod's own grace period: 30 s

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !db.hasSession(session));
        assertThat(db.count("things")).as("the changeset in flight rolled back").isZero();
        DatabaseMigration ready = awaitMigration(ns, "app", Current, m -> assertThatMigration(m).isReady().hasRevision("v2"));
        assertThat(ready.getStatus().getHistory()).extracting(MigrationRun::getResult).containsExactly(RunResult.SUCCEEDED, RunResult.FAILED);
        assertThat(ready.getStatus().getHistory().get(1).getMessage()).as("the stopped run, as the status tells it")
                .contains("ended without a result (exit code 143");
        assertThat(db.count("things")).as("applied once").isEqualTo(1);
        assertThat(db.rows("SELECT count(*) FROM databasechangelog WHERE id = 'slow'")).containsExactly("1");
    }

    /** A new database, and the DatabaseMigration {@code app} of {@code changelog}, from a ConfigMap, for it in {@code ns}. */
    private static TestDatabase createAppWithChangelog(String ns, String changelog) {
        TestDatabase db = operator.newDatabase();
        Fixtures.databaseSecret(client, ns, "app-db", db);
        Fixtures.changelogConfigMap(client, ns, "app-changelog", "changelog.yaml", changelog);
        DatabaseMigration migration = Fixtures.migration(ns, "app", "app-db", "head");
        migration.getSpec().setChangelog(Fixtures.changelogFrom("app-changelog"));
        client.resource(migration).create();
        return db;
    }

    private static String terminationMessage(Pod pod) {
        return pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getMessage();
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

    private static DatabaseMigration awaitMigration(String ns, String name, Kstatus.Status kstatus, Consumer<DatabaseMigration> assertion) {
        return operator.awaitMigration(ns, name, kstatus, assertion);
    }
}
