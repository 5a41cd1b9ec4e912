package io.webmacs.migration.cluster;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static io.webmacs.migration.testsupport.ScenarioSteps.NAME;
import static io.webmacs.migration.testsupport.ScenarioSteps.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.PlanConfigMapKeys;
import io.webmacs.migration.scenario.OperatorScenarios;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.ClusterUnderTest;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Packaged;
import io.webmacs.migration.testsupport.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator's scenarios on the real tier ({@link OperatorScenarios}), and those only a real cluster can show: the
 * operator installed with {@code kubectl apply -f crds/ -f deploy/operator.yaml} on a real API server, running in a pod
 * with its ServiceAccount's token, in namespaces that enforce the restricted Pod Security Standard; Jobs turned into pods
 * by the real Job controller, scheduled by the real scheduler and run by the real kubelet, whose termination messages
 * and logs the operator reads; garbage collection; watches that survive an API server restart; a reviewer with only the
 * documented approver Role. Every state is also checked with kstatus, as Flux and Helm's --wait see it.
 */
@RealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorOnApiServerIT extends OperatorScenarios {

    /** The name of its control plane, whose audit log {@link RbacAuditIT} reads. */
    static final String CLUSTER = "operator";
    /** The namespace of a DatabaseMigration applied before the operator ran; its pod waits for the cordoned node. */
    private static final String FRESH = "restricted-fresh";
    private static final String APPROVER = "approver";
    private static OperatorCluster operator;
    private static TestDatabase freshDb;

    @BeforeAll
    static void install() {
        operator = OperatorCluster.installedWithKubectl(CLUSTER, OperatorOnApiServerIT::applyBeforeTheOperatorRuns);
    }

    /** A DatabaseMigration just applied, with no operator to see it yet: kstatus must not call it Current. */
    private static void applyBeforeTheOperatorRuns(OperatorCluster cluster) {
        cluster.restrictedNamespace(FRESH);
        freshDb = cluster.newDatabase();
        Fixtures.databaseSecret(cluster.client(), FRESH, SECRET, freshDb);

        cluster.client().resource(Fixtures.migration(FRESH, NAME, SECRET, "head")).create();

        cluster.awaitMigration(FRESH, NAME, m -> assertThatMigration(m).isUnobserved());
    }

    @AfterAll
    static void stop() {
        if (operator != null) {
            operator.close();
        }
    }

    @Override
    protected ClusterUnderTest clusterUnderTest() {
        return operator;
    }

    @Test
    @Order(1) // first: the Job of the resource applied before the operator ran waits for the cordoned node meanwhile
    void aMigrationAppliedBeforeTheOperatorRanIsMigratingWhileItsPodWaitsForTheNodeThenReady() {
        try {
            steps.awaitMigration(FRESH, m -> assertThatMigration(m).isReconciling(Conditions.MIGRATING));
        } finally {
            operator.node().uncordon();
        }

        DatabaseMigration ready = steps.awaitMigration(FRESH, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration());
        assertThat(Catalog.of(freshDb)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    void theOperatorsAccountMayNotReadSecrets() {
        assertThat(operator.cluster().kubectl("auth", "can-i", "get", "secrets", "--all-namespaces",
                "--as=" + OperatorCluster.SERVICE_ACCOUNT).output().trim()).isEqualTo("no");
        assertThat(operator.cluster().kubectl("auth", "can-i", "create", "jobs", "-n", "default",
                "--as=" + OperatorCluster.SERVICE_ACCOUNT).output().trim()).isEqualTo("yes");
    }

    @Test
    void theRestrictedNamespacesRefuseAPodThatIsNotRestricted() {
        String ns = cluster.newNamespace();
        Pod root = new PodBuilder().withNewMetadata().withName("root").withNamespace(ns).endMetadata()
                .withNewSpec().addNewContainer().withName("shell").withImage("debian:12").endContainer().endSpec().build();

        assertThatThrownBy(() -> client().resource(root).create()).isInstanceOf(KubernetesClientException.class)
                .hasMessageContaining("violates PodSecurity \"restricted:latest\"");
    }

    @Test
    void waitAndKubectlWaitReturnOnReadyAcrossAnApiServerRestart() throws Exception {
        String ns = cluster.newNamespace();
        TestDatabase db = cluster.newDatabase();
        TestDatabase notYetCreated = new TestDatabase(db.host(), db.port(), db.name() + "_later");
        Fixtures.databaseSecret(client(), ns, SECRET, notYetCreated);
        client().resource(Fixtures.migration(ns, NAME, SECRET, "head")).create();
        steps.awaitMigration(ns, m -> assertThatMigration(m).isReconciling(Conditions.RETRYING));
        Path kubeconfig = operator.cluster().adminKubeconfig();
        Path waitLog = operator.cluster().workDir().resolve("webmacs-migrate-wait.log");
        Process wait = Packaged.cli(List.of("wait", NAME, "-n", ns, "--timeout", "4m", "--kubeconfig", kubeconfig.toString()),
                Map.of(), waitLog);
        Process kubectlWait = new ProcessBuilder(operator.cluster().kubectlCommand("wait", "--for=condition=Ready", "dbm/" + NAME,
                "-n", ns, "--timeout=4m")).redirectErrorStream(true)
                .redirectOutput(operator.cluster().workDir().resolve("kubectl-wait.log").toFile()).start();
        // Restart only once both watch: webmacs-migrate wait prints what it saw first; kubectl starts quicker than a JVM.
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(waitLog).contains(NAME + ": "));

        operator.cluster().restartApiServer();
        db.execute("CREATE DATABASE " + notYetCreated.name());

        assertThat(wait.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(wait.exitValue()).as("webmacs-migrate wait").isZero();
        assertThat(kubectlWait.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(kubectlWait.exitValue()).as("kubectl wait").isZero();
        steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
    }

    /**
     * The migration's pod is deleted while its runner is in the middle of a changeset, as a drain or an eviction does:
     * the kubelet sends SIGTERM and waits out the grace period. The runner's session ends with it, within the grace
     * period, so the server rolls the changeset back and releases the migration lock at once; the next attempt applies it
     * once.
     */
    @Test
    void aMigrationPodDeletedMidChangesetEndsItsSessionAndTheNextAttemptAppliesTheChangesetOnce() {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.createAppWithChangelog(ns, Fixtures.INTERRUPTIBLE_CHANGELOG);
        String session = db.awaitSleepingRunner();
        Pod pod = client().pods().inNamespace(ns).list().getItems().get(0);

        client().pods().resource(pod).delete(); // the pod's own grace period: 30 s

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !db.hasSession(session));
        assertThat(db.count("things")).as("the changeset in flight rolled back").isZero();
        DatabaseMigration ready = cluster.awaitMigration(ns, "app", m -> assertThatMigration(m).isReady().hasRevision("v2"));
        assertThat(ready.getStatus().getHistory()).extracting(MigrationRun::getResult).containsExactly(RunResult.SUCCEEDED, RunResult.FAILED);
        assertThat(ready.getStatus().getHistory().get(1).getMessage()).as("the stopped run, as the status tells it")
                .contains("ended without a result (exit code 143");
        assertThat(db.count("things")).as("applied once").isEqualTo(1);
        assertThat(db.rows("SELECT count(*) FROM databasechangelog WHERE id = 'slow'")).containsExactly("1");
    }

    /**
     * The plan's text, which the operator read through pods/log from the kubelet, is what {@code kubectl logs} shows; a
     * reviewer whose account has only the Role docs/cli.md documents approves it with the packaged CLI.
     */
    @Test
    void theDocumentedApproverRoleApprovesThePlanKubectlLogsShowsWithThePackagedCli() throws Exception {
        String ns = cluster.newNamespace();
        TestDatabase db = steps.databaseAt003In(ns);
        client().resource(Fixtures.manual(Fixtures.migration(ns, NAME, SECRET, "head"))).create();
        DatabaseMigration waiting = steps.awaitMigration(ns, m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL));
        String hash = waiting.getStatus().getPlan().getHash();
        String text = steps.awaitPlanConfigMap(ns, hash).getData().get(PlanConfigMapKeys.TEXT);
        ControlPlane.Result logs = operator.cluster().kubectl("logs", "-n", ns, "job/" + waiting.getStatus().getPlan().getJob(), "-c", "migrate");
        assertThat(logs.exitCode()).as("kubectl logs: %s", logs.output()).isZero();
        assertThat(logs.output()).as("kubectl logs through the same API server").isEqualTo(text);
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
        DatabaseMigration ready = steps.awaitMigration(ns, m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getMetadata().getAnnotations()).containsEntry(DatabaseMigration.APPROVED_PLAN, hash);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    @Test
    @Order(Integer.MAX_VALUE)
    void everyCallTheOperatorMadeWasAuthorizedByTheChartsRbac() {
        assertThat(operator.refusedCalls()).isEmpty();
    }

    /**
     * A kubeconfig of the ServiceAccount {@code approver}, bound to the Role the CLI's page documents for reviewers,
     * taken from that page itself.
     */
    private Path approverKubeconfig(String namespace) throws IOException {
        Matcher block = Pattern.compile("### Permissions to approve\\n\\nA reviewer's account needs, in the namespace,.*?```yaml\\n(.*?)```",
                Pattern.DOTALL).matcher(Files.readString(Path.of("docs/cli.md")));
        assertThat(block.find()).as("docs/cli.md documents the approver's Role").isTrue();
        Role role = Serialization.unmarshal(block.group(1), Role.class);
        role.getMetadata().setNamespace(namespace);
        client().resource(role).create();
        client().resource(new ServiceAccountBuilder().withNewMetadata().withName(APPROVER).withNamespace(namespace).endMetadata().build()).create();
        client().resource(new RoleBindingBuilder().withNewMetadata().withName(APPROVER).withNamespace(namespace).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(role.getMetadata().getName()).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(APPROVER).withNamespace(namespace).endSubject().build()).create();
        return operator.cluster().serviceAccountKubeconfig(namespace, APPROVER);
    }
}
