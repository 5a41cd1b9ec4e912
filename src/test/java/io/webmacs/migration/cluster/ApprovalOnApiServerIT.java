package io.webmacs.migration.cluster;

import static io.webmacs.migration.cluster.Kstatus.Status.Current;
import static io.webmacs.migration.cluster.Kstatus.Status.Failed;
import static io.webmacs.migration.cluster.Kstatus.Status.InProgress;
import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.PlanStatus;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.PlanConfigMapKeys;
import io.webmacs.migration.reconciler.PlanConfigMap;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Cli;
import io.webmacs.migration.testsupport.DatabaseState;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Migrations;
import io.webmacs.migration.testsupport.Packaged;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.WebmacsFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * approval.mode Manual and policy.destructive Deny on a real API server: the operator installed with kubectl and
 * running with its ServiceAccount's token, plan and migration Jobs run by the real Job controller, scheduler and
 * kubelet, and the plan's SQL read by the operator through {@code pods/log}, which the API server serves by asking the
 * kubelet. Tests 1 to 4 are one reviewer's story on one DatabaseMigration, in order; Deny, a database
 * moved after the plan and a repointed Secret have their own.
 */
@RealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApprovalOnApiServerIT {

    /** The name of its control plane, whose audit log {@link RbacAuditIT} reads. */
    static final String CLUSTER = "approval";
    private static final String NAME = "webmacs";
    private static final String APPROVER = "approver";
    private static final String NO_PLAN = "0".repeat(64);

    private static OperatorCluster operator;
    private static KubernetesClient client;
    private static String ns;
    private static TestDatabase db;
    /** The plan the reviewer approved in test 3. */
    private static String approved;

    @BeforeAll
    static void install() {
        operator = OperatorCluster.installedWithKubectl(CLUSTER);
        client = operator.client();
        ns = operator.restrictedNamespace("approval");
        db = databaseAt003(ns);
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    @Order(1)
    void aManualMigrationWaitsWithItsPlanAndTheSqlFromThePlanPodsLog() {
        client.resource(Fixtures.manual(Fixtures.migration(ns, NAME, "webmacs-db", "head"))).create();

        DatabaseMigration waiting = awaitMigration(ns, InProgress, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL));
        PlanStatus plan = waiting.getStatus().getPlan();
        assertThat(plan.getHash()).matches("[0-9a-f]{64}");
        assertThat(plan.getFrom()).isEqualTo("003_fk_ondelete");
        assertThat(plan.getRevisions()).containsExactly("004_rbac_api_tokens", "005_oidc_sso");
        assertThat(plan.getApproved()).isFalse();
        assertThatMigration(waiting).hasMessageContaining("webmacs-migrate approve " + NAME + " -n " + ns);

        String text = awaitPlanConfigMap(ns, plan.getHash()).getData().get(PlanConfigMapKeys.TEXT);
        assertThat(text).as("the plan's text, read by the operator through pods/log")
                .doesNotContain("could not be read")
                .contains("Plan hash: " + plan.getHash(), "-- Apply 004_rbac_api_tokens",
                        "UPDATE public.users SET role = 'admin' WHERE admin = TRUE");
        ControlPlane.Result logs = operator.cluster().kubectl("logs", "-n", ns, "job/" + plan.getJob(), "-c", "migrate");
        assertThat(logs.exitCode()).as("kubectl logs: %s", logs.output()).isZero();
        assertThat(logs.output()).as("kubectl logs through the same API server").isEqualTo(text);

        assertThat(jobs(ns)).singleElement().satisfies(job -> {
            assertThat(job.getMetadata().getLabels()).containsEntry(Labels.VERB, "plan");
            assertThat(job.getStatus().getSucceeded()).as("the real Job controller completed the plan Job").isEqualTo(1);
        });
        assertThat(Catalog.of(db)).as("nothing migrated before the approval").containsExactlyElementsOf(Catalog.reference("003"));
    }

    @Test
    @Order(2)
    void anAnnotationWithAnotherHashChangesNothing() {
        String hash = migration(ns).getStatus().getPlan().getHash();

        operator.succeeds("annotate", "-n", ns, "dbm/" + NAME, "--overwrite", DatabaseMigration.APPROVED_PLAN + "=" + NO_PLAN);

        DatabaseMigration waiting = awaitMigration(ns, InProgress, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)
                .hasMessageContaining("The annotation approves plan " + NO_PLAN + ", not this one"));
        assertThat(waiting.getStatus().getPlan().getHash()).isEqualTo(hash);
        assertThat(waiting.getStatus().getPlan().getApproved()).isFalse();
        assertThat(jobs(ns)).hasSize(1);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    @Test
    @Order(3)
    void theReadmesApproverRoleApprovesWithThePackagedCliAndTheMigrationRuns() throws Exception {
        String hash = migration(ns).getStatus().getPlan().getHash();
        Path kubeconfig = approverKubeconfig(ns);
        String account = "--as=system:serviceaccount:" + ns + ":" + APPROVER;
        assertThat(operator.cluster().kubectl("auth", "can-i", "create", "jobs", "-n", ns, account).output().trim()).isEqualTo("no");
        assertThat(operator.cluster().kubectl("auth", "can-i", "get", "secrets", "-n", ns, account).output().trim()).isEqualTo("no");

        Path log = operator.cluster().workDir().resolve("webmacs-migrate-approve.log");
        Process approve = Packaged.cli(List.of("approve", NAME, "-n", ns, "--hash", hash, "--kubeconfig", kubeconfig.toString()),
                Map.of(), log);
        assertThat(approve.waitFor(2, TimeUnit.MINUTES)).isTrue();
        String output = Files.readString(log);
        assertThat(approve.exitValue()).as("webmacs-migrate approve: %s", output).isZero();
        assertThat(output).as("approve shows the plan's SQL before it approves")
                .contains("UPDATE public.users SET role = 'admin' WHERE admin = TRUE", "Approved plan " + hash);
        assertThat(migration(ns).getMetadata().getAnnotations()).containsEntry(DatabaseMigration.APPROVED_PLAN, hash);

        DatabaseMigration ready = awaitMigration(ns, Current, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getPlan().getApproved()).isTrue();
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        assertThat(jobs(ns)).hasSize(2).last().satisfies(job -> {
            assertThat(job.getMetadata().getLabels()).containsEntry(Labels.VERB, "upgrade");
            assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).containsSequence("--plan-hash", hash);
            assertThat(job.getStatus().getSucceeded()).isEqualTo(1);
        });
        approved = hash;
    }

    @Test
    @Order(4)
    void aChangedTargetIsPlannedAgainAndWaitsForANewApproval() {
        assertThat(approved).as("test 3 approved a plan").isNotNull();

        Migrations.edit(client, ns, NAME, m -> {
            m.getSpec().setTargetRevision("004_rbac_api_tokens");
            m.getSpec().setAllowDowngrade(true);
        });

        DatabaseMigration waiting = awaitMigration(ns, InProgress, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)
                .hasMessageContaining("The annotation approves plan " + approved + ", not this one"));
        PlanStatus plan = waiting.getStatus().getPlan();
        assertThat(plan.getHash()).isNotEqualTo(approved);
        assertThat(plan.getDirection()).isEqualTo("downgrade");
        assertThat(plan.getFrom()).isEqualTo("005_oidc_sso");
        assertThat(plan.getTo()).isEqualTo("004_rbac_api_tokens");
        assertThat(awaitPlanConfigMap(ns, plan.getHash()).getData().get(PlanConfigMapKeys.TEXT))
                .doesNotContain("could not be read").contains("Plan hash: " + plan.getHash());
        assertThat(jobs(ns)).extracting(j -> j.getMetadata().getLabels().get(Labels.VERB)).containsExactly("plan", "upgrade", "plan");
        assertThat(Catalog.of(db)).as("the old approval ran nothing").containsExactlyElementsOf(Catalog.reference("005"));

        operator.succeeds("annotate", "-n", ns, "dbm/" + NAME, "--overwrite", DatabaseMigration.APPROVED_PLAN + "=" + plan.getHash());

        awaitMigration(ns, Current, m -> assertThatMigration(m).isReady().hasRevision("004_rbac_api_tokens"));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("down-to-004"));
    }

    @Test
    @Order(5)
    void denyStallsADestructivePlanBeforeAnythingRuns() {
        String denyNs = operator.restrictedNamespace("approval-deny");
        TestDatabase denyDb = databaseAt003(denyNs);

        client.resource(Fixtures.deny(Fixtures.migration(denyNs, NAME, "webmacs-db", "head"))).create();

        DatabaseMigration stalled = awaitMigration(denyNs, Failed, m -> assertThatMigration(m).isStalled(Conditions.DESTRUCTIVE_PLAN_DENIED)
                .hasMessageContaining("DropColumn on users").hasMessageContaining("nothing ran"));
        assertThat(stalled.getStatus().getPlan().getDestructive()).isTrue();
        assertThat(awaitPlanConfigMap(denyNs, stalled.getStatus().getPlan().getHash()).getData().get(PlanConfigMapKeys.TEXT))
                .as("the denied plan's SQL, for the reader of the status").contains("ALTER TABLE public.users DROP COLUMN admin");
        assertThat(jobs(denyNs)).singleElement().satisfies(job -> assertThat(job.getMetadata().getLabels()).containsEntry(Labels.VERB, "plan"));
        assertThat(Catalog.of(denyDb)).containsExactlyElementsOf(Catalog.reference("003"));
    }

    /**
     * Approved: upgrade 003 to 004, with allowDowngrade. Someone takes the database to head, SSO identities and all: the
     * approved run refuses it (PlanChanged), the downgrade is planned and awaits its own approval, nothing ran.
     */
    @Test
    @Order(6)
    void anApprovedUpgradeOnADatabaseMovedAboveItsTargetRunsNothingAndIsPlannedAgain() {
        String movedNs = operator.restrictedNamespace("approval-moved");
        TestDatabase movedDb = databaseAt003(movedNs);
        DatabaseMigration migration = Fixtures.manual(Fixtures.migration(movedNs, NAME, "webmacs-db", "004_rbac_api_tokens"));
        migration.getSpec().setAllowDowngrade(true);
        client.resource(migration).create();
        String hash = awaitMigration(movedNs, InProgress, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL))
                .getStatus().getPlan().getHash();

        Cli.against(movedDb).ok("upgrade");
        WebmacsFixtures.insertRows(movedDb, "005_oidc_sso");
        DatabaseState moved = DatabaseState.of(movedDb);
        operator.succeeds("annotate", "-n", movedNs, "dbm/" + NAME, "--overwrite", DatabaseMigration.APPROVED_PLAN + "=" + hash);

        DatabaseMigration replanned = awaitNewPlan(movedNs, hash);
        assertThat(replanned.getStatus().getPlan().getDirection()).isEqualTo("downgrade");
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(jobs(movedNs)).extracting(j -> j.getMetadata().getLabels().get(Labels.VERB)).containsExactly("plan", "upgrade", "plan");
        assertThat(DatabaseState.of(movedDb)).as("nothing ran").isEqualTo(moved);
    }

    /** The Secret is pointed at another database at the same revision after the plan: the approval runs nothing there. */
    @Test
    @Order(7)
    void anApprovalRunsNothingOnAnotherDatabaseTheSecretNowNames() {
        String repointedNs = operator.restrictedNamespace("approval-repointed");
        TestDatabase planned = databaseAt003(repointedNs);
        TestDatabase other = operator.newDatabase();
        Cli.against(other).ok("upgrade", "003_fk_ondelete");
        client.resource(Fixtures.manual(Fixtures.migration(repointedNs, NAME, "webmacs-db", "head"))).create();
        String hash = awaitMigration(repointedNs, InProgress, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL))
                .getStatus().getPlan().getHash();
        DatabaseState plannedBefore = DatabaseState.of(planned);
        DatabaseState otherBefore = DatabaseState.of(other);

        Fixtures.databaseSecret(client, repointedNs, "webmacs-db", other);
        operator.succeeds("annotate", "-n", repointedNs, "dbm/" + NAME, "--overwrite", DatabaseMigration.APPROVED_PLAN + "=" + hash);

        DatabaseMigration replanned = awaitNewPlan(repointedNs, hash);
        assertThat(replanned.getStatus().getPlan().getDatabase()).startsWith(other.name() + ".public ");
        assertThat(replanned.getStatus().getLastRun().getErrorCode()).isEqualTo("PlanChanged");
        assertThat(DatabaseState.of(planned)).isEqualTo(plannedBefore);
        assertThat(DatabaseState.of(other)).as("nothing ran on the other database").isEqualTo(otherBefore);
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void everyCallTheOperatorMadeWasAuthorizedByTheChartsRbac() {
        assertThat(operator.refusedCalls()).isEmpty();
    }

    /** A database at 003_fk_ondelete, migrated by hand, and WebMACS's DATABASE_URL Secret for it in {@code namespace}. */
    private static TestDatabase databaseAt003(String namespace) {
        TestDatabase database = operator.newDatabase();
        Cli.against(database).ok("upgrade", "003_fk_ondelete");
        Fixtures.databaseSecret(client, namespace, "webmacs-db", database);
        return database;
    }

    /**
     * A kubeconfig of the ServiceAccount {@code approver}, bound to the Role the CLI's page documents for reviewers,
     * taken from that page itself.
     */
    private static Path approverKubeconfig(String namespace) throws IOException {
        Matcher block = Pattern.compile("### Permissions to approve\\n\\nA reviewer's account needs, in the namespace,.*?```yaml\\n(.*?)```",
                Pattern.DOTALL).matcher(Files.readString(Path.of("docs/cli.md")));
        assertThat(block.find()).as("docs/cli.md documents the approver's Role").isTrue();
        Role role = Serialization.unmarshal(block.group(1), Role.class);
        role.getMetadata().setNamespace(namespace);
        client.resource(role).create();
        client.resource(new ServiceAccountBuilder().withNewMetadata().withName(APPROVER).withNamespace(namespace).endMetadata().build()).create();
        client.resource(new RoleBindingBuilder().withNewMetadata().withName(APPROVER).withNamespace(namespace).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(role.getMetadata().getName()).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(APPROVER).withNamespace(namespace).endSubject().build()).create();
        return operator.cluster().serviceAccountKubeconfig(namespace, APPROVER);
    }

    private static ConfigMap awaitPlanConfigMap(String namespace, String hash) {
        return Migrations.awaitPlanConfigMap(client, namespace, NAME, hash, Duration.ofMinutes(1));
    }

    /** The namespace's Jobs in the order they were made (attempts count again from 1 for a new spec). */
    private static List<Job> jobs(String namespace) {
        return Fixtures.jobs(client, namespace).stream()
                .sorted(Comparator.comparing((Job j) -> Instant.parse(j.getMetadata().getCreationTimestamp()))
                        .thenComparingInt(j -> Integer.parseInt(j.getMetadata().getLabels().get(Labels.ATTEMPT)))).toList();
    }

    /** The resource once it awaits the approval of a plan other than {@code approved}. */
    private static DatabaseMigration awaitNewPlan(String namespace, String approved) {
        return awaitMigration(namespace, InProgress, m -> {
            assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL);
            assertThat(m.getStatus().getPlan().getHash()).isNotEqualTo(approved);
        });
    }

    private static DatabaseMigration migration(String namespace) {
        return operator.migration(namespace, NAME);
    }

    private static DatabaseMigration awaitMigration(String namespace, Kstatus.Status kstatus, Consumer<DatabaseMigration> assertion) {
        return operator.awaitMigration(namespace, NAME, kstatus, assertion);
    }
}
