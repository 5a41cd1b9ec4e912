package io.webmacs.migration.scenario;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static io.webmacs.migration.testsupport.ScenarioSteps.NAME;
import static io.webmacs.migration.testsupport.ScenarioSteps.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.webmacs.migration.api.ChangelogMode;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.PlanConfigMapKeys;
import io.webmacs.migration.testsupport.BusyReaders;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.ClusterUnderTest;
import io.webmacs.migration.testsupport.DatabaseState;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.ScenarioSteps;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's scenarios, each written once against {@link ClusterUnderTest} and run on both tiers: on the mock API
 * server for fast feedback ({@code reconciler/OperatorScenariosReconcileTest}) and on a real control plane and node
 * with the operator installed from {@code deploy/}, which decides ({@code cluster/OperatorOnApiServerIT}); the pattern
 * of the Java Operator SDK's WebPageOperatorAbstractTest. A scenario that only makes sense on one tier is in that tier's
 * class. Each scenario has a namespace and databases of its own; every Job really runs webmacs-migrate.
 */
public abstract class OperatorScenarios {

    private static final String NO_PLAN = "0".repeat(64);

    protected ClusterUnderTest cluster;
    protected ScenarioSteps steps;

    /** The cluster this tier runs the scenarios on; asked before each scenario. */
    protected abstract ClusterUnderTest clusterUnderTest();

    @BeforeEach
    void onTheClusterUnderTest() {
        cluster = clusterUnderTest();
        steps = new ScenarioSteps(cluster);
    }

    @Test
    void anEmptyDatabaseBecomesReadyAtHeadThroughOneJobAndThenNothingIsWritten() {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseSecretIn(ns);

        client().resource(Fixtures.migration(ns, NAME, SECRET, "head")).create();

        DatabaseMigration ready = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getTargetRevision()).isEqualTo("005_oidc_sso");
        assertThat(ready.getStatus().getLastRun().getApplied()).hasSize(6);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        Job job = steps.onlyJob(ns);
        assertThat(job.getMetadata().getOwnerReferences()).singleElement().satisfies(owner -> {
            assertThat(owner.getKind()).isEqualTo("DatabaseMigration");
            assertThat(owner.getUid()).isEqualTo(ready.getMetadata().getUid());
            assertThat(owner.getController()).isTrue();
        });
        Container migrate = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(migrate.getName()).isEqualTo("migrate");
        assertThat(migrate.getArgs()).containsExactly("upgrade", "005_oidc_sso", "--result-file", "/dev/termination-log");
        assertThat(migrate.getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("DATABASE_URL");
            assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo(SECRET);
        });
        assertThat(job.getStatus().getSucceeded()).as("the Job completed").isEqualTo(1);
        assertThat(job.getStatus().getConditions()).anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));

        // The Job changes, so the operator looks again: it observes nothing new and writes nothing.
        client().batch().v1().jobs().inNamespace(ns).withName(job.getMetadata().getName()).edit(j -> {
            j.getMetadata().getLabels().put("touched", "1");
            return j;
        });
        String settled = ready.getMetadata().getResourceVersion();
        await().during(cluster.quietPeriod()).atMost(cluster.quietPeriod().plus(cluster.patience()))
                .until(() -> migration(ns).getMetadata().getResourceVersion().equals(settled));
        assertThat(Fixtures.jobs(client(), ns)).hasSize(1);
    }

    /** spec.changelog in mode Extend: the ConfigMap's revisions continue the built-in changelog, as --changelog-extension. */
    @Test
    void aDatabaseAt005GoesTo006WithAChangelogExtensionFromAConfigMap() throws IOException {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseSecretIn(ns);
        Cli.against(db).ok("upgrade");
        Fixtures.changelogConfigMap(client(), ns, "webmacs-006", "006_my_new_table.xml", Files.readString(Fixtures.MY_NEW_TABLE_EXTENSION));
        DatabaseMigration migration = Fixtures.migration(ns, NAME, SECRET, "head");
        migration.getSpec().setChangelog(Fixtures.changelogFrom("webmacs-006"));
        migration.getSpec().getChangelog().setMode(ChangelogMode.Extend);

        client().resource(migration).create();

        DatabaseMigration ready = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("006_my_new_table"));
        assertThat(ready.getStatus().getLastRun().getApplied()).containsExactly("006_my_new_table");
        assertThat(db.rows("SELECT version_num FROM alembic_version")).containsExactly("006_my_new_table");
        assertThat(steps.onlyJob(ns).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsExactly("upgrade",
                "006_my_new_table", "--result-file", "/dev/termination-log", "--changelog-extension", "/changelog/006_my_new_table.xml");
    }

    @Test
    void aFailingChangesetStallsNamingItAndEarlierFailedJobsGoWhenANewRunStarts() {
        String ns = cluster.newNamespace();
        steps.createAppWithChangelog(ns, Fixtures.FAILING_CHANGELOG);

        DatabaseMigration stalled = cluster.awaitMigration(ns, "app", m -> assertThatMigration(m).isStalled(Conditions.CHANGESET_FAILED)
                .hasRevision("v1").hasMessageContaining("no_such_table"));
        assertThat(stalled.getStatus().getLastRun().getFailedChangeset()).isEqualTo("changelog.yaml::broken::app");
        assertThat(stalled.getStatus().getLastRun().getApplied()).containsExactly("v1");
        Job first = steps.onlyJob(ns);
        assertThat(first.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                .containsExactly("upgrade", "v2", "--result-file", "/dev/termination-log", "--changelog", "/changelog/changelog.yaml");
        assertThat(first.getStatus().getConditions()).anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()));

        // Two fixes that still fail: each a new run; when the third starts, the last failed Job stays for its logs and
        // the earlier one goes.
        changeChangelog(ns, "still_no_such_table");
        cluster.awaitMigration(ns, "app", m -> assertThatMigration(m).isStalled(Conditions.CHANGESET_FAILED)
                .hasMessageContaining("still_no_such_table"));
        Job second = Fixtures.jobs(client(), ns).stream().filter(job -> !job.getMetadata().getUid().equals(first.getMetadata().getUid()))
                .findFirst().orElseThrow();
        changeChangelog(ns, "never_such_table");

        await().atMost(cluster.patience()).untilAsserted(() -> assertThat(Fixtures.jobs(client(), ns))
                .extracting(job -> job.getMetadata().getUid()).hasSize(2).contains(second.getMetadata().getUid())
                .doesNotContain(first.getMetadata().getUid()));
    }

    @Test
    void aMissingSecretStallsWithTheKubeletsMessage() {
        String ns = cluster.newNamespace();

        client().resource(Fixtures.migration(ns, NAME, "no-such-secret", "head")).create();

        steps.awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.SECRET_NOT_FOUND).hasMessageContaining("no-such-secret"));
    }

    @Test
    void aHandDroppedIndexIsDriftWhileReadyAndDeletingTheResourceLeavesTheDatabaseAlone() {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseSecretIn(ns);
        Cli.against(db).ok("upgrade");
        db.execute("INSERT INTO users (public_id, email, username, password_hash) VALUES ('u1', 'a@example.org', 'a', 'x')");
        db.execute("DROP INDEX ix_users_email");

        client().resource(Fixtures.checkedEvery("1h", Fixtures.migration(ns, NAME, SECRET, "head"))).create();

        DatabaseMigration drifted = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso")
                .isDrifted("True", Conditions.SCHEMA_DRIFT));
        assertThat(drifted.getStatus().getDrift().getSummary()).containsExactly("missing index users.ix_users_email");
        assertThat(Fixtures.jobs(client(), ns)).as("the check ran in a Job of its own, beside the migration's")
                .extracting(job -> job.getMetadata().getLabels().get(Labels.VERB)).containsExactlyInAnyOrder("upgrade", "check");

        cluster.delete(ns, NAME);

        assertThat(Catalog.of(db)).as("the schema as it was, the index still missing")
                .containsExactlyElementsOf(Catalog.reference("005").stream().filter(fact -> !fact.contains("ix_users_email")).toList());
        assertThat(db.count("users")).isEqualTo(1);
    }

    /**
     * A busy WebMACS: forty sessions keep a read of users open while the upgrade from 003 waits for its lock, then end.
     * A kubelet keeps the last 4 KiB of a termination message; the run's result fits in them, so the status names the
     * first blockers and is Ready at head.
     */
    @Test
    void aRunBlockedByFortySessionsBecomesReadyNamingTheFirstBlockersFromItsTerminationMessage() throws Exception {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        try (BusyReaders readers = BusyReaders.on(db, 40)) {
            client().resource(Fixtures.migration(ns, NAME, SECRET, "head")).create();
            await().atMost(cluster.patience()).until(() -> db.rows("SELECT count(*) FROM pg_locks WHERE NOT granted"
                    + " AND relation = 'users'::regclass").equals(List.of("1")));
            Thread.sleep(3000); // a few of the guard's attempts, which its blocker watch follows every 200 ms
        }

        DatabaseMigration ready = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getLastRun().getBlockedBy()).hasSize(5)
                .allSatisfy(blocker -> assertThat(blocker).contains("application 'webmacs-worker-"));
        assertThat(ready.getStatus().getLastRun().getBlockedByOmitted()).isEqualTo(35);
        assertThat(client().pods().inNamespace(ns).list().getItems()).singleElement()
                .extracting(pod -> pod.getStatus().getContainerStatuses().get(0).getState().getTerminated().getMessage())
                .as("the termination message kept")
                .satisfies(message -> assertThat(message.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(4096))
                .asString().contains("\"blockedByOmitted\":35");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void aManualMigrationWaitsWithItsPlanUntilTheAnnotationNamesItsHash() {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseAt003In(ns);

        client().resource(Fixtures.manual(Fixtures.migration(ns, NAME, SECRET, "head"))).create();

        DatabaseMigration waiting = steps.awaitMigration(ns, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL));
        PlanStatus plan = waiting.getStatus().getPlan();
        assertThat(plan.getHash()).matches("[0-9a-f]{64}");
        assertThat(plan.getFrom()).isEqualTo("003_fk_ondelete");
        assertThat(plan.getRevisions()).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
        assertThat(plan.getApproved()).isFalse();
        assertThatMigration(waiting)
                .hasMessageContaining("kubectl annotate -n " + ns + " dbm/webmacs --overwrite " + DatabaseMigration.APPROVED_PLAN + "=" + plan.getHash())
                .hasMessageContaining("webmacs-migrate approve webmacs -n " + ns);
        assertThat(steps.onlyJob(ns)).satisfies(job -> {
            assertThat(job.getMetadata().getLabels()).containsEntry(Labels.VERB, "plan");
            assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
                    .containsExactly("plan", "005_oidc_sso", "--result-file", "/dev/termination-log");
            assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
        });
        ConfigMap planConfigMap = steps.awaitPlanConfigMap(ns, plan.getHash());
        assertThat(planConfigMap.getData().get(PlanConfigMapKeys.TEXT)).as("the plan's text, read by the operator through pods/log")
                .doesNotContain("could not be read")
                .contains("Plan hash: " + plan.getHash(), "-- Apply 004_rbac_api_tokens", "UPDATE public.users SET role = 'admin' WHERE admin = TRUE");
        assertThat(planConfigMap.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(waiting.getMetadata().getUid()));
        await().atMost(cluster.patience()).untilAsserted(() -> assertThat(steps.events(ns)).extracting(Event::getReason)
                .contains(Conditions.AWAITING_APPROVAL));
        assertThat(Catalog.of(db)).as("nothing migrated before the approval").containsExactlyElementsOf(Catalog.reference("003"));

        cluster.approve(ns, NAME, NO_PLAN);

        DatabaseMigration stillWaiting = steps.awaitMigration(ns, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)
                .hasMessageContaining("The annotation approves plan " + NO_PLAN + ", not this one"));
        assertThat(stillWaiting.getStatus().getPlan().getHash()).isEqualTo(plan.getHash());
        assertThat(stillWaiting.getStatus().getPlan().getApproved()).isFalse();
        assertThat(Fixtures.jobs(client(), ns)).hasSize(1);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));

        cluster.approve(ns, NAME, plan.getHash());

        DatabaseMigration ready = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getPlan().getApproved()).isTrue();
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(steps.jobs(ns)).hasSize(2).last().satisfies(job -> {
            assertThat(job.getMetadata().getLabels()).containsEntry(Labels.VERB, "upgrade");
            assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsSequence("--plan-hash", plan.getHash());
            assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
        });
    }

    @Test
    void aChangedTargetIsPlannedAgainAndTheOldApprovalNoLongerRunsIt() {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseSecretIn(ns);
        String first = steps.awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, NAME, SECRET, "003_fk_ondelete")));
        cluster.approve(ns, NAME, first);
        steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("003_fk_ondelete"));

        Migrations.edit(client(), ns, NAME, m -> m.getSpec().setTargetRevision("head"));

        DatabaseMigration waiting = steps.awaitMigration(ns, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)
                .hasMessageContaining("The annotation approves plan " + first + ", not this one"));
        PlanStatus second = waiting.getStatus().getPlan();
        assertThat(second.getHash()).isNotEqualTo(first);
        assertThat(second.getFrom()).isEqualTo("003_fk_ondelete");
        assertThat(second.getFindings()).extracting(f -> f.kind()).contains("DropColumn");
        assertThat(steps.awaitPlanConfigMap(ns, second.getHash()).getData().get(PlanConfigMapKeys.TEXT))
                .doesNotContain("could not be read").contains("Plan hash: " + second.getHash());
        assertThat(steps.verbs(ns)).containsExactly("plan", "upgrade", "plan");
        assertThat(Catalog.of(db)).as("the old approval ran nothing").containsExactlyElementsOf(Catalog.reference("003"));

        cluster.approve(ns, NAME, second.getHash());

        steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    /**
     * Approved: upgrade 003 to 004, with allowDowngrade. Someone takes the database to head, SSO identities and all: the
     * approved run refuses it (PlanChanged), the downgrade is planned and awaits its own approval, and nothing ran. (The
     * operator once ran an unapproved downgrade to 004 here that dropped them.)
     */
    @Test
    void anApprovedUpgradeOnADatabaseMovedAboveItsTargetRunsNothingAndIsPlannedAgain() {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseAt003In(ns);
        DatabaseMigration migration = Fixtures.manual(Fixtures.migration(ns, NAME, SECRET, "004_rbac_api_tokens"));
        migration.getSpec().setAllowDowngrade(true);
        String approved = steps.awaitedPlanOf(migration);

        Cli.against(db).ok("upgrade");
        WebmacsFixtures.insertRows(db, "005_oidc_sso");
        DatabaseState moved = DatabaseState.of(db);
        cluster.approve(ns, NAME, approved);

        DatabaseMigration replanned = steps.awaitNewPlan(ns, approved);
        assertThat(replanned.getStatus().getPlan().getDirection()).isEqualTo("downgrade");
        assertThat(replanned.getStatus().getPlan().getFrom()).isEqualTo("005_oidc_sso");
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(steps.verbs(ns)).containsExactly("plan", "upgrade", "plan");
        assertThat(DatabaseState.of(db)).as("nothing ran").isEqualTo(moved);
    }

    /** The Secret is pointed at another database at the same revision after the plan: the approval runs nothing there. */
    @Test
    void anApprovalRunsNothingOnAnotherDatabaseTheSecretNowNames() {
        String ns = cluster.newNamespace();
        TestDatabase planned = steps.databaseAt003In(ns);
        TestDatabase other = cluster.newDatabase();
        Cli.against(other).ok("upgrade", "003_fk_ondelete");
        String approved = steps.awaitedPlanOf(Fixtures.manual(Fixtures.migration(ns, NAME, SECRET, "head")));
        DatabaseState plannedBefore = DatabaseState.of(planned);
        DatabaseState otherBefore = DatabaseState.of(other);

        Fixtures.databaseSecret(client(), ns, SECRET, other);
        cluster.approve(ns, NAME, approved);

        DatabaseMigration replanned = steps.awaitNewPlan(ns, approved);
        assertThat(replanned.getStatus().getPlan().getDatabase()).startsWith(other.name() + ".public ");
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(DatabaseState.of(planned)).isEqualTo(plannedBefore);
        assertThat(DatabaseState.of(other)).as("nothing ran on the other database").isEqualTo(otherBefore);
    }

    @Test
    void denyStallsADestructivePlanBeforeAnythingRuns() {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseAt003In(ns);

        client().resource(Fixtures.deny(Fixtures.migration(ns, NAME, SECRET, "head"))).create();

        DatabaseMigration stalled = steps.awaitMigration(ns, m -> assertThatMigration(m).isStalled(Conditions.DESTRUCTIVE_PLAN_DENIED)
                .hasMessageContaining("DropColumn on users").hasMessageContaining("nothing ran"));
        assertThat(stalled.getStatus().getPlan().getDestructive()).isTrue();
        assertThat(steps.awaitPlanConfigMap(ns, stalled.getStatus().getPlan().getHash()).getData().get(PlanConfigMapKeys.TEXT))
                .as("the denied plan's SQL, for the reader of the status").contains("ALTER TABLE public.users DROP COLUMN admin");
        assertThat(steps.onlyJob(ns).getMetadata().getLabels()).containsEntry(Labels.VERB, "plan");
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    protected final KubernetesClient client() {
        return cluster.client();
    }

    private DatabaseMigration migration(String ns) {
        return client().resources(DatabaseMigration.class).inNamespace(ns).withName(NAME).get();
    }

    private void changeChangelog(String ns, String instead) {
        client().configMaps().inNamespace(ns).withName("app-changelog").edit(changelog -> {
            changelog.getData().put("changelog.yaml", Fixtures.FAILING_CHANGELOG.replace("no_such_table", instead));
            return changelog;
        });
    }
}
