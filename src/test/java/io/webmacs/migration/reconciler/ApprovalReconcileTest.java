package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static io.webmacs.migration.testsupport.Migrations.approve;
import static io.webmacs.migration.testsupport.Migrations.awaitMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
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
import io.webmacs.migration.testsupport.JobExecutor;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
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

    @BeforeEach
    void startExecutor() {
        JobExecutor.running(client).servePodLogs(server);
    }

    @Test
    void aManualMigrationWaitsForTheAnnotationWithItsPlanHash() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);

        client.resource(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        DatabaseMigration waiting = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL));
        String hash = waiting.getStatus().getPlan().getHash();
        assertThat(hash).hasSize(64);
        assertThat(waiting.getStatus().getPlan().getRevisions()).hasSize(6).endsWith("005_oidc_sso");
        assertThat(waiting.getStatus().getPlan().getApproved()).isFalse();
        assertThatMigration(waiting).hasMessageContaining("kubectl annotate -n " + ns + " dbm/webmacs --overwrite migrations.webmacs.io/approved-plan=" + hash)
                .hasMessageContaining("webmacs-migrate approve webmacs -n " + ns);
        assertThat(Catalog.of(db)).as("nothing migrated before the approval").isEmpty();
        assertThat(onlyJob(ns).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsExactly("plan", "005_oidc_sso", "--result-file", "/dev/termination-log");
        ConfigMap plan = awaitPlanConfigMap(ns, hash);
        assertThat(plan.getData().get("plan.txt")).contains("Plan hash: " + hash, "-- Apply 000_baseline", "CREATE TABLE");
        assertThat(plan.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(waiting.getMetadata().getUid()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems())
                .extracting(e -> e.getReason()).contains(Conditions.AWAITING_APPROVAL));

        approve(client, ns, "webmacs", "0".repeat(64));
        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)
                .hasMessageContaining("The annotation approves plan " + "0".repeat(64) + ", not this one"));
        assertThat(Fixtures.jobs(client, ns)).hasSize(1);
        assertThat(Catalog.of(db)).isEmpty();

        approve(client, ns, "webmacs", hash);
        DatabaseMigration ready = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getPlan().getApproved()).isTrue();
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(jobs(ns)).hasSize(2).last().satisfies(job -> {
            assertThat(job.getMetadata().getLabels()).containsEntry(Labels.VERB, "upgrade");
            assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsSequence("--plan-hash", hash);
        });
    }

    @Test
    void aChangedTargetIsPlannedAgainAndTheOldApprovalNoLongerRunsIt() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        String first = awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "003_fk_ondelete")));
        approve(client, ns, "webmacs", first);
        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete"));

        Migrations.edit(client, ns, "webmacs", m -> m.getSpec().setTargetRevision("head"));

        DatabaseMigration waiting = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)
                .hasMessageContaining("The annotation approves plan " + first + ", not this one"));
        String second = waiting.getStatus().getPlan().getHash();
        assertThat(second).isNotEqualTo(first);
        assertThat(waiting.getStatus().getPlan().getFrom()).isEqualTo("003_fk_ondelete");
        assertThat(waiting.getStatus().getPlan().getFindings()).extracting(f -> f.kind()).contains("DropColumn");
        awaitPlanConfigMap(ns, second);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));

        approve(client, ns, "webmacs", second);
        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void aDatabaseThatMovedAfterTheApprovalIsPlannedAgainAndNeedsANewApproval() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        String approved = awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")));

        Cli.against(db).ok("upgrade", "002_plugin_packages"); // someone migrates by hand in between
        approve(client, ns, "webmacs", approved);

        DatabaseMigration replanned = awaitMigration(client, ns, "webmacs", m -> {
            assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL);
            assertThat(m.getStatus().getPlan().getHash()).isNotEqualTo(approved);
        });
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(replanned.getStatus().getPlan().getFrom()).isEqualTo("002_plugin_packages");
        assertThat(Catalog.of(db)).as("the run with the old plan changed nothing").containsExactlyElementsOf(Catalog.reference("002"));
        assertThat(jobs(ns)).extracting(j -> j.getMetadata().getLabels().get(Labels.VERB)).containsExactly("plan", "upgrade", "plan");

        approve(client, ns, "webmacs", replanned.getStatus().getPlan().getHash());
        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
    }

    /**
     * Approved: upgrade 003 to 004. Then someone takes the database to head, SSO identities and all. With allowDowngrade
     * the old operator ran an unapproved downgrade to 004 that dropped them; now the other way is planned and awaits its
     * own approval, and nothing ran.
     */
    @Test
    void anApprovedUpgradeOnADatabaseMovedAboveItsTargetIsPlannedAgainAndRunsNothing() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        DatabaseMigration migration = Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "004_rbac_api_tokens"));
        migration.getSpec().setAllowDowngrade(true);
        String approved = awaitedPlanOf(migration);

        Cli.against(db).ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        DatabaseState moved = DatabaseState.of(db);
        approve(client, ns, "webmacs", approved);

        DatabaseMigration replanned = awaitNewPlan(ns, approved);
        assertThat(replanned.getStatus().getPlan().getDirection()).isEqualTo("downgrade");
        assertThat(replanned.getStatus().getPlan().getFrom()).isEqualTo("005_oidc_sso");
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(DatabaseState.of(db)).as("nothing ran").isEqualTo(moved);
        assertThat(jobs(ns)).extracting(j -> j.getMetadata().getLabels().get(Labels.VERB)).containsExactly("plan", "upgrade", "plan");
    }

    @Test
    void anApprovedUpgradeOnADatabaseMovedBelowWhereItWasPlannedIsPlannedAgainAndRunsNothing() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        String approved = awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")));

        Cli.against(db).ok("downgrade", "002_plugin_packages");
        DatabaseState moved = DatabaseState.of(db);
        approve(client, ns, "webmacs", approved);

        DatabaseMigration replanned = awaitNewPlan(ns, approved);
        assertThat(replanned.getStatus().getPlan().getFrom()).isEqualTo("002_plugin_packages");
        assertThat(DatabaseState.of(db)).as("nothing ran").isEqualTo(moved);
    }

    /** Approved and run on one database; spec.database then names another at the same revision: a new approval is due. */
    @Test
    void anApprovalDoesNotCarryToAnotherDatabaseNamedInTheSpec() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase first = databaseSecretIn(ns);
        TestDatabase second = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "second-db", second);
        Cli.against(first).ok("upgrade", "003_fk_ondelete");
        Cli.against(second).ok("upgrade", "003_fk_ondelete");
        String approved = awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")));
        approve(client, ns, "webmacs", approved);
        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        DatabaseState untouched = DatabaseState.of(second);

        Migrations.edit(client, ns, "webmacs", m -> m.getSpec().getDatabase().getUrlFrom().getSecretKeyRef().setName("second-db"));

        DatabaseMigration waiting = awaitNewPlan(ns, approved);
        assertThat(waiting.getStatus().getPlan().getDatabase()).startsWith(second.name() + ".public ");
        assertThatMigration(waiting).hasMessageContaining("The annotation approves plan " + approved + ", not this one");
        assertThat(DatabaseState.of(second)).as("nothing ran on the other database").isEqualTo(untouched);
    }

    /** The Secret is pointed at another database after the plan: the approved plan's run refuses it and it is planned there. */
    @Test
    void anApprovalDoesNotCarryToAnotherDatabaseTheSecretNowNames() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase first = databaseSecretIn(ns);
        TestDatabase second = EmbeddedPostgresServer.newDatabase();
        Cli.against(first).ok("upgrade", "003_fk_ondelete");
        Cli.against(second).ok("upgrade", "003_fk_ondelete");
        String approved = awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")));
        DatabaseState firstBefore = DatabaseState.of(first);
        DatabaseState secondBefore = DatabaseState.of(second);

        Fixtures.databaseSecret(client, ns, "webmacs-db", second);
        approve(client, ns, "webmacs", approved);

        DatabaseMigration replanned = awaitNewPlan(ns, approved);
        assertThat(replanned.getStatus().getPlan().getDatabase()).startsWith(second.name() + ".public ");
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(DatabaseState.of(first)).isEqualTo(firstBefore);
        assertThat(DatabaseState.of(second)).as("nothing ran on the other database").isEqualTo(secondBefore);
    }

    /** A ConfigMap of the plan's name that the operator did not make is never overwritten: nothing is planned or run. */
    @Test
    void aPlanConfigMapOfSomebodyElsesStallsBeforeAnythingRuns() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        Fixtures.changelogConfigMap(client, ns, "webmacs-plan", "notes.txt", "the team's own notes");

        client.resource(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.PLAN_CONFIG_MAP_TAKEN)
                .hasMessageContaining("ConfigMap webmacs-plan exists and is not this DatabaseMigration's"));
        assertThat(client.configMaps().inNamespace(ns).withName("webmacs-plan").get().getData())
                .containsExactly(Map.entry("notes.txt", "the team's own notes"));
        assertThat(Fixtures.jobs(client, ns)).isEmpty();
        assertThat(Catalog.of(db)).isEmpty();
    }

    @Test
    void denyStallsADestructivePlanBeforeAnythingRuns() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");

        client.resource(Fixtures.deny(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        DatabaseMigration stalled = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.DESTRUCTIVE_PLAN_DENIED));
        assertThat(stalled.getStatus().getConditions()).filteredOn(c -> c.getType().equals(Conditions.STALLED)).singleElement()
                .satisfies(c -> assertThat(c.getMessage()).contains("DropColumn on users", "nothing ran"));
        assertThat(stalled.getStatus().getPlan().getDestructive()).isTrue();
        assertThat(onlyJob(ns).getMetadata().getLabels()).containsEntry(Labels.VERB, "plan");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    @Test
    void denyStallsAChangelogWhoseDoBlockTheReviewCannotRead() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        Fixtures.changelogConfigMap(client, ns, "app-changelog", "changelog.yaml", Fixtures.UNREVIEWED_CHANGELOG);
        DatabaseMigration migration = Fixtures.deny(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"));
        migration.getSpec().setChangelog(Fixtures.changelogFrom("app-changelog"));

        client.resource(migration).create();

        DatabaseMigration stalled = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.DESTRUCTIVE_PLAN_DENIED)
                .hasMessageContaining("Unreviewed (changelog.yaml::purge::app)").hasMessageContaining("nothing ran"));
        assertThat(stalled.getStatus().getPlan().getDestructive()).isTrue();
        assertThat(stalled.getStatus().getPlan().getFindings()).extracting(f -> f.kind()).containsExactly("Unreviewed");
        assertThat(onlyJob(ns).getMetadata().getLabels()).containsEntry(Labels.VERB, "plan");
        assertThat(db.rows("SELECT to_regclass('things')")).as("nothing ran").containsExactly("");
    }

    @Test
    void denyRunsASafePlanWithoutAnApproval() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);

        client.resource(Fixtures.deny(Fixtures.migration(ns, "webmacs", "webmacs-db", "003_fk_ondelete"))).create();

        DatabaseMigration ready = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete"));
        assertThat(ready.getStatus().getPlan().getDestructive()).isFalse();
        assertThat(jobs(ns)).extracting(j -> j.getMetadata().getLabels().get(Labels.VERB)).containsExactly("plan", "upgrade");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    /** The built-in upgrade from 002 blocks writes to users (004, 005) only: a limit below its rows stalls it, a higher one runs it. */
    @Test
    void aLimitOfBlockedRowsStallsAPlanThatBlocksWritesToALargerTableAndRunsItOnceRaised() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "002_plugin_packages");
        WebmacsFixtures.insertRows(db, "002_plugin_packages");
        db.execute("ANALYZE");
        DatabaseMigration migration = Fixtures.migration(ns, "webmacs", "webmacs-db", "head");
        migration.getSpec().setPolicy(new PolicySpec());
        migration.getSpec().getPolicy().setMaxBlockedTableRows(2L);

        client.resource(migration).create();

        DatabaseMigration stalled = awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.WRITE_BLOCKING_PLAN_DENIED)
                .hasMessageContaining("blocks writes to a table of ~3 rows").hasMessageContaining("BlocksWrites on users").hasMessageContaining("nothing ran"));
        assertThat(stalled.getStatus().getPlan().getBlockedTableRows()).isEqualTo(3);
        assertThat(stalled.getStatus().getPlan().getFindings()).filteredOn(f -> f.kind().equals("BlocksWrites"))
                .extracting(f -> f.table()).containsOnly("users");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("002"));

        Migrations.edit(client, ns, "webmacs", m -> m.getSpec().getPolicy().setMaxBlockedTableRows(1000L));

        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    /** Creates {@code migration} and returns the hash of the plan whose approval it then awaits. */
    private String awaitedPlanOf(DatabaseMigration migration) {
        client.resource(migration).create();
        return awaitMigration(client, migration.getMetadata().getNamespace(), migration.getMetadata().getName(),
                m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)).getStatus().getPlan().getHash();
    }

    /** The resource once it awaits the approval of a plan other than {@code approved}. */
    private DatabaseMigration awaitNewPlan(String ns, String approved) {
        return awaitMigration(client, ns, "webmacs", m -> {
            assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL);
            assertThat(m.getStatus().getPlan().getHash()).isNotEqualTo(approved);
        });
    }

    @Test
    void aPlanConfigMapTheApiServerRefusesShowsInTheStatusUntilTheRetriesAreSpent() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = databaseSecretIn(ns);
        server.expect().post().withPath("/api/v1/namespaces/" + ns + "/configmaps")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("configmaps is forbidden: the test refuses every ConfigMap in " + ns).build())
                .always();

        client.resource(Fixtures.manual(Fixtures.migration(ns, "webmacs", "webmacs-db", "head"))).create();

        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isReconciling(Conditions.ACTION_FAILED)
                .hasMessageContaining("Could not write the plan ConfigMap webmacs-plan")
                .hasMessageContaining("403")
                .hasMessageContaining("the test refuses every ConfigMap in " + ns));
        awaitMigration(client, ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.ACTION_FAILED));
        assertThat(Catalog.of(db)).as("nothing migrated").isEmpty();
    }

    private ConfigMap awaitPlanConfigMap(String ns, String hash) {
        return Migrations.awaitPlanConfigMap(client, ns, "webmacs", hash, Duration.ofSeconds(20));
    }

    private Job onlyJob(String ns) {
        return jobs(ns).stream().reduce((a, b) -> {
            throw new AssertionError("more than one Job in " + ns + ": " + jobs(ns));
        }).orElseThrow();
    }

    /** The namespace's Jobs in the order they were made. */
    private List<Job> jobs(String ns) {
        return Fixtures.jobs(client, ns).stream()
                .sorted(Comparator.comparingInt(j -> Integer.parseInt(j.getMetadata().getLabels().get(Labels.ATTEMPT)))).toList();
    }

    private TestDatabase databaseSecretIn(String ns) {
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);
        return db;
    }
}
