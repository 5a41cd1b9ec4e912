package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static io.webmacs.migration.testsupport.Migrations.approve;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.PolicySpec;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.DatabaseState;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.MockCluster;
import io.webmacs.migration.testsupport.ScenarioSteps;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * approval.mode Manual, policy.destructive Deny and policy.maxBlockedTableRows against the fabric8 mock API server:
 * every plan and migration Job really runs webmacs-migrate against an embedded PostgreSQL, and the plan's text is read back through pods/log.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ApprovalReconcileTest {

    @Inject
    KubernetesClient client;

    @KubernetesTestServer
    KubernetesServer server;

    private ScenarioSteps steps;

    @BeforeEach
    void onTheMockCluster() {
        steps = new ScenarioSteps(new MockCluster(client, server));
    }

    @Test
    void aDatabaseThatMovedAfterTheApprovalIsPlannedAgainAndNeedsANewApproval() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        String approved = steps.awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")));

        Cli.against(db).ok("upgrade", "002_plugin_packages"); // someone migrates by hand in between
        approve(client, ns, "webmacs", approved);

        DatabaseMigration replanned = steps.awaitNewPlan(ns, approved);
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(replanned.getStatus().getPlan().getFrom()).isEqualTo("002_plugin_packages");
        assertThat(Catalog.of(db)).as("the run with the old plan changed nothing").containsExactlyElementsOf(Catalog.reference("002"));
        assertThat(steps.verbs(ns)).containsExactly("plan", "upgrade", "plan");

        approve(client, ns, "webmacs", replanned.getStatus().getPlan().getHash());
        steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
    }

    @Test
    void anApprovedUpgradeOnADatabaseMovedBelowWhereItWasPlannedIsPlannedAgainAndRunsNothing() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        String approved = steps.awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")));

        Cli.against(db).ok("downgrade", "002_plugin_packages");
        DatabaseState moved = DatabaseState.of(db);
        approve(client, ns, "webmacs", approved);

        DatabaseMigration replanned = steps.awaitNewPlan(ns, approved);
        assertThat(replanned.getStatus().getPlan().getFrom()).isEqualTo("002_plugin_packages");
        assertThat(DatabaseState.of(db)).as("nothing ran").isEqualTo(moved);
    }

    /** Approved and run on one database; spec.database then names another at the same revision: a new approval is due. */
    @Test
    void anApprovalDoesNotCarryToAnotherDatabaseNamedInTheSpec() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase first = steps.databaseSecretIn(ns);
        TestDatabase second = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "second-db", second);
        Cli.against(first).ok("upgrade", "003_fk_ondelete");
        Cli.against(second).ok("upgrade", "003_fk_ondelete");
        String approved = steps.awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")));
        approve(client, ns, "webmacs", approved);
        steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        DatabaseState untouched = DatabaseState.of(second);

        Migrations.edit(client, ns, "webmacs", m -> m.getSpec().getDatabase().getUrlFrom().getSecretKeyRef().setName("second-db"));

        DatabaseMigration waiting = steps.awaitNewPlan(ns, approved);
        assertThat(waiting.getStatus().getPlan().getDatabase()).startsWith(second.name() + ".public ");
        assertThatMigration(waiting).hasMessageContaining("The annotation approves plan " + approved + ", not this one");
        assertThat(DatabaseState.of(second)).as("nothing ran on the other database").isEqualTo(untouched);
    }

    /** A ConfigMap of the plan's name that the operator did not make is never overwritten: nothing is planned or run. */
    @Test
    void aPlanConfigMapOfSomebodyElsesStallsBeforeAnythingRuns() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        Fixtures.changelogConfigMap(client, ns, "webmacs-plan", "notes.txt", "the team's own notes");

        client.resource(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        steps.awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.PLAN_CONFIG_MAP_TAKEN)
                .hasMessageContaining("ConfigMap webmacs-plan exists and is not this DatabaseMigration's"));
        assertThat(client.configMaps().inNamespace(ns).withName("webmacs-plan").get().getData())
                .containsExactly(Map.entry("notes.txt", "the team's own notes"));
        assertThat(Fixtures.jobs(client, ns)).isEmpty();
        assertThat(Catalog.of(db)).isEmpty();
    }

    @Test
    void denyStallsAChangelogWhoseDoBlockTheReviewCannotRead() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        Fixtures.changelogConfigMap(client, ns, "app-changelog", "changelog.yaml", Fixtures.UNREVIEWED_CHANGELOG);
        DatabaseMigration migration = Fixtures.deny(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"));
        migration.getSpec().setChangelog(Fixtures.changelogFrom("app-changelog"));

        client.resource(migration).create();

        DatabaseMigration stalled = steps.awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.DESTRUCTIVE_PLAN_DENIED)
                .hasMessageContaining("Unreviewed (changelog.yaml::purge::app)").hasMessageContaining("nothing ran"));
        assertThat(stalled.getStatus().getPlan().getDestructive()).isTrue();
        assertThat(stalled.getStatus().getPlan().getFindings()).extracting(f -> f.kind()).containsExactly("Unreviewed");
        assertThat(steps.onlyJob(ns).getMetadata().getLabels()).containsEntry(Labels.VERB, "plan");
        assertThat(db.rows("SELECT to_regclass('things')")).as("nothing ran").containsExactly("");
    }

    @Test
    void denyRunsASafePlanWithoutAnApproval() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);

        client.resource(Fixtures.deny(Fixtures.migration(ns, "webmacs", "webmacs-db", "003_fk_ondelete"))).create();

        DatabaseMigration ready = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete"));
        assertThat(ready.getStatus().getPlan().getDestructive()).isFalse();
        assertThat(steps.verbs(ns)).containsExactly("plan", "upgrade");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    /** The built-in upgrade from 002 blocks writes to users (004, 005) only: a limit below its rows stalls it, a higher one runs it. */
    @Test
    void aLimitOfBlockedRowsStallsAPlanThatBlocksWritesToALargerTableAndRunsItOnceRaised() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "002_plugin_packages");
        WebmacsFixtures.insertRows(db, "002_plugin_packages");
        db.execute("ANALYZE");
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        migration.getSpec().setPolicy(new PolicySpec());
        migration.getSpec().getPolicy().setMaxBlockedTableRows(2L);

        client.resource(migration).create();

        DatabaseMigration stalled = steps.awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.WRITE_BLOCKING_PLAN_DENIED)
                .hasMessageContaining("blocks writes to a table of ~3 rows").hasMessageContaining("BlocksWrites on users").hasMessageContaining("nothing ran"));
        assertThat(stalled.getStatus().getPlan().getBlockedTableRows()).isEqualTo(3);
        assertThat(stalled.getStatus().getPlan().getFindings()).filteredOn(f -> f.kind().equals("BlocksWrites"))
                .extracting(f -> f.table()).containsOnly("users");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("002"));

        Migrations.edit(client, ns, "webmacs", m -> m.getSpec().getPolicy().setMaxBlockedTableRows(1000L));

        steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void aPlanConfigMapTheApiServerRefusesShowsInTheStatusUntilTheRetriesAreSpent() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = steps.databaseSecretIn(ns);
        server.expect().post().withPath("/api/v1/namespaces/" + ns + "/configmaps")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("configmaps is forbidden: the test refuses every ConfigMap in " + ns).build())
                .always();

        client.resource(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        steps.awaitMigration(ns, m -> assertThatMigration(m).isReconciling(Conditions.ACTION_FAILED)
                .hasMessageContaining("Could not write the plan ConfigMap webmacs-plan")
                .hasMessageContaining("403")
                .hasMessageContaining("the test refuses every ConfigMap in " + ns));
        steps.awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.ACTION_FAILED));
        assertThat(Catalog.of(db)).as("nothing migrated").isEmpty();
    }
}
