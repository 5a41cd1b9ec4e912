package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static io.webmacs.migration.testsupport.Migrations.awaitMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseSpec;
import io.webmacs.migration.api.SecretValueSource;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.MockCluster;
import io.webmacs.migration.testsupport.ScenarioSteps;
import io.webmacs.migration.testsupport.TestDatabase;
import jakarta.inject.Inject;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * spec.driftCheck against the fabric8 mock API server: the check Jobs really run webmacs-migrate check against an
 * embedded PostgreSQL that the test changes by hand, as someone with psql would.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DriftCheckReconcileTest {

    @Inject
    KubernetesClient client;

    @TestHTTPResource("/q/metrics")
    URL metricsUrl;

    @KubernetesTestServer
    KubernetesServer server;

    private ScenarioSteps steps;

    @BeforeEach
    void onTheMockCluster() {
        steps = new ScenarioSteps(new MockCluster(client, server));
    }

    @Test
    void aHandDroppedIndexIsFoundByTheNextCheckAsAWarningAndItsRepairClearsIt() throws Exception {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        // The CRD refuses intervals under 1m; the mock API server does not evaluate CEL, which keeps this test short.
        client.resource(Fixtures.checkedEvery("5s", Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        DatabaseMigration clean = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady()
                .isDrifted("False", Conditions.NO_DRIFT));
        assertThat(clean.getStatus().getDrift().getRevision()).isEqualTo("005_oidc_sso");
        assertThat(clean.getStatus().getDrift().getDifferences()).isZero();
        assertThat(checkJobs(ns)).first().satisfies(job -> assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsExactly("check", "--result-file", "/dev/termination-log"));
        String index = db.rows("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_users_email'").get(0);

        db.execute("DROP INDEX ix_users_email");

        DatabaseMigration drifted = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady()
                .isDrifted("True", Conditions.SCHEMA_DRIFT));
        assertThat(condition(drifted, Conditions.DRIFTED)).isEqualTo("1 difference from the schema the changelog defines at 005_oidc_sso:"
                + " missing index users.ix_users_email (the log of the Job in status.drift.job lists them all)");
        assertThat(drifted.getStatus().getDrift().getSummary()).containsExactly("missing index users.ix_users_email");
        assertThat(drifted.getStatus().getDrift().getJob()).startsWith("webmacs-drift-");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events(ns)).filteredOn(e -> e.getReason().equals("Drifted"))
                .singleElement().satisfies(e -> {
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getMessage()).contains("missing index users.ix_users_email");
                }));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(get(metricsUrl))
                .contains("webmacs_migration_schema_differences{name=\"webmacs\",namespace=\"" + ns + "\"} 1.0")
                .containsPattern("webmacs_migration_drift_checks_total\\{namespace=\"" + ns + "\",result=\"SchemaDrift\"} [1-9]"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(checkJobs(ns)).as("only the last check Job stays").hasSize(1));
        assertThat(jobsWithVerb(ns, Verb.UPGRADE)).as("a check migrates nothing").hasSize(1);

        db.execute(index);

        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().isDrifted("False", Conditions.NO_DRIFT));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events(ns)).extracting(Event::getReason)
                .containsOnlyOnce("Drifted", "DriftResolved"));
    }

    /**
     * A changelog of the application's own is checked against its schema built on the scratch database of
     * driftCheck.devDatabase, never on the database it checks.
     */
    @Test
    void aCustomChangelogIsCheckedWithItsSchemaBuiltOnTheDevDatabase() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        TestDatabase dev = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "app-db", db);
        Fixtures.databaseSecret(client, ns, "scratch-db", dev);
        Fixtures.changelogConfigMap(client, ns, "app-changelog", "changelog.yaml", Fixtures.FAILING_CHANGELOG.replace(
                "ALTER TABLE no_such_table ADD COLUMN x int", "CREATE INDEX ix_things_id ON things (id)"));
        DatabaseMigration migration = Fixtures.checkedEvery("5s", Fixtures.migration(ns, "app", "app-db", "head"));
        migration.getSpec().setChangelog(Fixtures.changelogFrom("app-changelog"));
        DatabaseSpec scratch = new DatabaseSpec();
        scratch.setUrlFrom(new SecretValueSource(new SecretKeySelector("DATABASE_URL", "scratch-db", false)));
        migration.getSpec().getDriftCheck().setDevDatabase(scratch);
        client.resource(migration).create();

        awaitMigration(client, ns, "app", m -> assertThatMigration(m).isReady().hasRevision("v2").isDrifted("False", Conditions.NO_DRIFT));
        db.execute("DROP INDEX ix_things_id");

        DatabaseMigration drifted = awaitMigration(client, ns, "app", m -> assertThatMigration(m).isReady()
                .isDrifted("True", Conditions.SCHEMA_DRIFT));
        assertThat(drifted.getStatus().getDrift().getSummary()).containsExactly("missing index things.ix_things_id");
        assertThat(Catalog.of(dev)).as("nothing kept on the scratch database").isEmpty();
    }

    @Test
    void turningChecksOnMigratesNothingAgainAndTurningThemOffLeavesNoTrace() {
        String ns = Fixtures.newNamespace(client);
        steps.databaseSecretIn(ns);
        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "003_fk_ondelete")).create();
        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete").hasNoDriftCondition());

        Migrations.edit(client, ns, "webmacs", m -> Fixtures.checkedEvery("1h", m));

        DatabaseMigration checked = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady()
                .isDrifted("False", Conditions.NO_DRIFT));
        assertThat(checked.getStatus().getDrift().getRevision()).isEqualTo("003_fk_ondelete");
        assertThat(checked.getStatus().getDrift().getChecks()).isEqualTo(1);
        assertThat(jobsWithVerb(ns, Verb.UPGRADE)).as("how often the schema is checked is no reason to migrate again").hasSize(1);

        Migrations.edit(client, ns, "webmacs", m -> m.getSpec().setDriftCheck(null));

        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasNoDriftCondition());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(checkJobs(ns)).isEmpty());
        assertThat(jobsWithVerb(ns, Verb.UPGRADE)).hasSize(1);
    }

    private List<Job> checkJobs(String ns) {
        return jobsWithVerb(ns, Verb.CHECK);
    }

    private List<Job> jobsWithVerb(String ns, Verb verb) {
        return Fixtures.jobs(client, ns).stream().filter(j -> verb.word().equals(j.getMetadata().getLabels().get(Labels.VERB))).toList();
    }

    private List<Event> events(String ns) {
        return client.v1().events().inNamespace(ns).list().getItems();
    }

    private static String condition(DatabaseMigration migration, String type) {
        return migration.getStatus().condition(type).orElseThrow().getMessage();
    }

    private static String get(URL url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(url.toURI()).build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
