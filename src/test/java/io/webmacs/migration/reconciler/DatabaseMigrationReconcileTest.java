package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.api.RunnerSpec;
import io.webmacs.migration.cli.WebmacsMigrate;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.testsupport.BusyReaders;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.JobExecutor;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.TestDatabase;
import jakarta.inject.Inject;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator against the fabric8 mock API server, with every Job it creates really run through webmacs-migrate
 * against an embedded PostgreSQL by {@link JobExecutor}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DatabaseMigrationReconcileTest {

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    @TestHTTPResource("/q/health/ready")
    URL healthUrl;

    private JobExecutor executor;

    @BeforeEach
    void startExecutor() {
        executor = JobExecutor.running(client);
    }

    @Test
    void emptyDatabaseBecomesReadyAtHeadThroughOneJob() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();

        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getTargetRevision()).isEqualTo("005_oidc_sso");
        assertThat(ready.getStatus().getLastRun().getApplied()).hasSize(6);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        List<Job> jobs = Fixtures.jobs(client, ns);
        assertThat(jobs).hasSize(1);
        assertThat(jobs.get(0).getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("DatabaseMigration");
            assertThat(owner.getUid()).isEqualTo(ready.getMetadata().getUid());
            assertThat(owner.getController()).isTrue();
        });
        Container migrate = jobs.get(0).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(migrate.getName()).isEqualTo("migrate");
        assertThat(migrate.getArgs()).containsExactly("upgrade", "005_oidc_sso", "--result-file", "/dev/termination-log");
        assertThat(migrate.getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("DATABASE_URL");
            assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("webmacs-db");
        });
    }

    @Test
    void runsShowAsEventsMetricsAndHealth() throws Exception {
        String ns = Fixtures.newNamespace(client);
        databaseSecretIn(ns);

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady());

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems())
                .extracting(e -> e.getReason()).contains("RunStarted", "Migrated"));
        assertThat(client.v1().events().inNamespace(ns).list().getItems()).filteredOn(e -> "Migrated".equals(e.getReason()))
                .singleElement().satisfies(e -> assertThat(e.getMessage()).contains("005_oidc_sso"));
        String metrics = get(metricsUrl);
        assertThat(metrics).contains("webmacs_migration_runs_total{namespace=\"" + ns + "\",result=\"Succeeded\"} 1.0")
                .contains("webmacs_migration_run_duration_seconds_count{namespace=\"" + ns + "\"")
                .contains("webmacs_migration_pending_changesets{name=\"webmacs\",namespace=\"" + ns + "\"} 0.0");
        assertThat(get(healthUrl)).contains("\"status\": \"UP\"");
    }

    @Test
    void deletingTheResourceLeavesTheDatabaseAlone() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady());

        client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").delete();

        await().atMost(Duration.ofSeconds(10)).until(() -> client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").get() == null);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);
    }

    @Test
    void unknownRevisionStallsWithoutAJob() {
        String ns = Fixtures.newNamespace(client);
        databaseSecretIn(ns);

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "009_future")).create();

        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.UNKNOWN_REVISION)
                .hasMessageContaining("009_future"));
        assertThat(Fixtures.jobs(client, ns)).isEmpty();
    }

    @Test
    void targetAnEarlierRevisionThenHead() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "003_fk_ondelete")).create();
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete"));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));

        edit(ns, "webmacs", m -> m.getSpec().setTargetRevision("head"));

        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getLastRun().getApplied()).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
        assertThat(ready.getStatus().getHistory()).hasSize(2);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(Fixtures.jobs(client, ns)).hasSize(2);
    }

    @Test
    void failingChangesetFromAConfigMapChangelogStallsNamingTheChangeset() {
        String ns = Fixtures.newNamespace(client);
        createAppWithChangelog(ns, EmbeddedPostgresServer.newDatabase(), Fixtures.FAILING_CHANGELOG);

        DatabaseMigration stalled = awaitMigration(ns, "app", m -> assertThatMigration(m).isStalled(Conditions.CHANGESET_FAILED)
                .hasRevision("v1").hasMessageContaining("no_such_table"));
        assertThat(stalled.getStatus().getLastRun().getFailedChangeset()).isEqualTo("changelog.yaml::broken::app");
        assertThat(stalled.getStatus().getLastRun().getApplied()).containsExactly("v1");
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);
        assertThat(Fixtures.jobs(client, ns).get(0).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsExactly("upgrade", "v2", "--result-file", "/dev/termination-log", "--changelog", "/changelog/changelog.yaml");
    }

    @Test
    void aRunnerWhoseSessionIsTerminatedMidChangesetIsRetriedAndAppliesItOnce() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        createAppWithChangelog(ns, db, Fixtures.INTERRUPTIBLE_CHANGELOG);

        db.terminateSleepingRunner();

        DatabaseMigration ready = awaitMigration(ns, "app", m -> assertThatMigration(m).isReady().hasRevision("v2"));
        assertThat(ready.getStatus().getHistory()).extracting(MigrationRun::getResult, MigrationRun::getErrorCode)
                .containsExactly(tuple(RunResult.SUCCEEDED, null), tuple(RunResult.FAILED, "DatabaseUnreachable"));
        assertThat(ready.getStatus().getHistory().get(1).getMessage()).contains("changelog.yaml::slow::app was interrupted");
        assertThat(client.v1().events().inNamespace(ns).list().getItems()).extracting(e -> e.getReason())
                .contains(Conditions.RETRYING).doesNotContain(Conditions.CHANGESET_FAILED);
        assertThat(db.count("things")).as("the changeset applied once").isEqualTo(1);
        assertThat(db.rows("SELECT count(*) FROM databasechangelog WHERE id = 'slow'")).containsExactly("1");
    }

    /**
     * A busy WebMACS: forty sessions keep a read of users open while the upgrade from 003 waits for its lock, then end.
     * The run's result still fits the termination message the kubelet keeps (4 KiB, read from its end by the executor),
     * so the resource becomes Ready at head and names the first blockers.
     */
    @Test
    void aRunBlockedByFortySessionsBecomesReadyNamingTheFirstBlockers() throws Exception {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        try (BusyReaders readers = BusyReaders.on(db, 40)) {
            client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
            await().atMost(Duration.ofSeconds(30)).until(() -> db.rows("SELECT count(*) FROM pg_locks WHERE NOT granted"
                    + " AND relation = 'users'::regclass").equals(List.of("1")));
            Thread.sleep(3000); // a few of the guard's attempts, which its blocker watch follows every 200 ms
        }

        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getLastRun().getBlockedBy()).hasSize(5)
                .allSatisfy(blocker -> assertThat(blocker).contains("application 'webmacs-worker-"));
        assertThat(ready.getStatus().getLastRun().getBlockedByOmitted()).isEqualTo(35);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    /** A Job runs its image with the database's credentials: an image the operator's settings do not allow never runs. */
    @Test
    void aRunnerImageTheOperatorDoesNotAllowStallsBeforeAnyJob() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        RunnerSpec runner = new RunnerSpec();
        runner.setImage("registry.example/someone-else/credential-reader:1");
        migration.getSpec().setRunner(runner);

        client.resource(migration).create();

        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.IMAGE_NOT_ALLOWED)
                .hasMessageContaining("spec.runner.image registry.example/someone-else/credential-reader:1 is not an image"));
        assertThat(Fixtures.jobs(client, ns)).isEmpty();
        assertThat(Catalog.of(db)).isEmpty();
    }

    @Test
    void unreachableDatabaseIsRetriedUntilItComesUp() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        TestDatabase notYetCreated = new TestDatabase(db.port(), db.name() + "_later");
        Fixtures.databaseSecret(client, ns, "webmacs-db", notYetCreated);

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();

        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReconciling(Conditions.RETRYING)
                .hasMessageContaining("Cannot reach PostgreSQL"));
        db.execute("CREATE DATABASE " + notYetCreated.name());
        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getLastRun().getAttempt()).isGreaterThan(1);
        assertThat(ready.getStatus().getHistory()).extracting(r -> r.getResult()).contains(RunResult.FAILED, RunResult.SUCCEEDED);
        assertThat(Fixtures.jobs(client, ns).stream().filter(j -> j.getStatus().getFailed() != null)).hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void downgradeWaitsForAllowDowngradeThenRollsBack() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));

        edit(ns, "webmacs", m -> m.getSpec().setTargetRevision("003_fk_ondelete"));
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.DOWNGRADE_NOT_ALLOWED)
                .hasRevision("005_oidc_sso"));
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));

        edit(ns, "webmacs", m -> m.getSpec().setAllowDowngrade(true));

        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete"));
        assertThat(ready.getStatus().getLastRun().getCommand()).isEqualTo("downgrade 003_fk_ondelete");
        assertThat(ready.getStatus().getLastRun().getRolledBack()).containsExactly("005_oidc_sso", "004_rbac_api_tokens");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-003"));
    }

    @Test
    void aDatabaseAlreadyAboveTheTargetIsRolledBackWhenAllowed() throws Exception {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(WebmacsMigrate.run(new String[] {"upgrade", "--url", db.sqlAlchemyUrl()}, Map.of(), discard, discard)).isZero();
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "003_fk_ondelete");
        migration.getSpec().setAllowDowngrade(true);

        client.resource(migration).create();

        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete"));
        assertThat(ready.getStatus().getLastRun().getCommand()).isEqualTo("downgrade 003_fk_ondelete");
        assertThat(ready.getStatus().getHistory()).extracting(r -> r.getErrorCode()).contains("WrongDirection");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-003"));
    }

    @Test
    void missingSecretStallsWithTheKubeletsMessage() {
        String ns = Fixtures.newNamespace(client);

        client.resource(Fixtures.migration(ns, "webmacs", "no-such-secret", "head")).create();

        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.SECRET_NOT_FOUND)
                .hasMessageContaining("no-such-secret"));
    }

    @Test
    void aJobAlreadyInFlightIsNeverDuplicated() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        executor.hold(ns);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        await().atMost(Duration.ofSeconds(30)).until(() -> Fixtures.jobs(client, ns).size() == 1);
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReconciling(Conditions.MIGRATING));

        // Every event a restarted operator would replay: its Job, and the resource itself, seen again.
        Job job = Fixtures.jobs(client, ns).get(0);
        job.getMetadata().getAnnotations().put("touched", "1");
        client.resource(job).update();
        edit(ns, "webmacs", m -> m.getMetadata().getLabels().put("touched", "1"));
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);

        executor.release(ns);
        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);
    }

    @Test
    void nothingIsWrittenToStatusWhenNothingChanged() {
        String ns = Fixtures.newNamespace(client);
        databaseSecretIn(ns);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady());
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        ready = client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").get();

        // A secondary event makes the operator look again; it observes nothing new.
        Job job = Fixtures.jobs(client, ns).get(0);
        job.getMetadata().getLabels().put("touched", "1");
        client.resource(job).update();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);

        DatabaseMigration after = client.resources(DatabaseMigration.class).inNamespace(ns).withName("webmacs").get();
        assertThat(after.getMetadata().getResourceVersion()).isEqualTo(ready.getMetadata().getResourceVersion());
        assertThat(after.getStatus()).isEqualTo(ready.getStatus());
    }

    /** A new empty database, and the Secret webmacs-db in {@code ns} with its WebMACS DATABASE_URL. */
    @Test
    void twoOfTheLongestNamesThatShareTheirStartEachMigrateAndCheckTheirOwnDatabase() {
        String ns = Fixtures.newNamespace(client);
        // One after the other: the harness runs Jobs in this one JVM, where two checks at once garbled each other's SQL.
        for (String name : Fixtures.LONGEST_NAMES) {
            Fixtures.databaseSecret(client, ns, secretOf(name), EmbeddedPostgresServer.newDatabase());
            client.resource(Fixtures.checkedEvery("1h", Fixtures.migration(ns, name, secretOf(name), "head"))).create();

            awaitMigration(ns, name, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso")
                    .isDrifted("False", Conditions.NO_DRIFT));
        }
        assertThat(Fixtures.jobs(client, ns)).as("an upgrade and a check Job of each, none shared")
                .extracting(job -> job.getMetadata().getLabels().get(Labels.MIGRATION))
                .containsExactlyInAnyOrder(Fixtures.LONGEST_NAMES.get(0), Fixtures.LONGEST_NAMES.get(0),
                        Fixtures.LONGEST_NAMES.get(1), Fixtures.LONGEST_NAMES.get(1));
    }

    private static String secretOf(String migration) {
        return migration.substring(migration.lastIndexOf('-') + 1) + "-db";
    }

    /** The DatabaseMigration app to head on {@code db}, with {@code changelog} from the ConfigMap app-changelog. */
    private void createAppWithChangelog(String ns, TestDatabase db, String changelog) {
        Fixtures.databaseSecret(client, ns, "app-db", db);
        Fixtures.changelogConfigMap(client, ns, "app-changelog", "changelog.yaml", changelog);
        DatabaseMigration migration = Fixtures.migration(ns, "app", "app-db", "head");
        migration.getSpec().setChangelog(Fixtures.changelogFrom("app-changelog"));
        client.resource(migration).create();
    }

    private TestDatabase databaseSecretIn(String ns) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);
        return db;
    }

    private static String get(URL url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.toURI()).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private void edit(String ns, String name, java.util.function.Consumer<DatabaseMigration> change) {
        Migrations.edit(client, ns, name, change);
    }

    private DatabaseMigration awaitMigration(String ns, String name, java.util.function.Consumer<DatabaseMigration> assertion) {
        return Migrations.awaitMigration(client, ns, name, assertion);
    }
}
