package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.api.RunnerSpec;
import io.webmacs.migration.cli.WebmacsMigrate;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.JobExecutor;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.MockCluster;
import io.webmacs.migration.testsupport.ScenarioSteps;
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

    @KubernetesTestServer
    KubernetesServer server;

    private ScenarioSteps steps;

    @BeforeEach
    void onTheMockCluster() {
        steps = new ScenarioSteps(new MockCluster(client, server));
    }

    @Test
    void runsShowAsEventsMetricsAndHealth() throws Exception {
        String ns = Fixtures.newNamespace(client);
        steps.databaseSecretIn(ns);

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
    void unknownRevisionStallsWithoutAJob() {
        String ns = Fixtures.newNamespace(client);
        steps.databaseSecretIn(ns);

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "009_future")).create();

        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.UNKNOWN_REVISION)
                .hasMessageContaining("009_future"));
        assertThat(Fixtures.jobs(client, ns)).isEmpty();
    }

    @Test
    void targetAnEarlierRevisionThenHead() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
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
    void aRunnerWhoseSessionIsTerminatedMidChangesetIsRetriedAndAppliesItOnce() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.createAppWithChangelog(ns, Fixtures.INTERRUPTIBLE_CHANGELOG);

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

    /** A Job runs its image with the database's credentials: an image the operator's settings do not allow never runs. */
    @Test
    void aRunnerImageTheOperatorDoesNotAllowStallsBeforeAnyJob() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
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
        TestDatabase db = steps.databaseSecretIn(ns);
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
        TestDatabase db = steps.databaseSecretIn(ns);
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
    void aJobAlreadyInFlightIsNeverDuplicated() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        JobExecutor executor = JobExecutor.running(client);
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
