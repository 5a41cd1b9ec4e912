package io.webmacs.migration.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.testsupport.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Approving is its own permission on a real API server, with the chart's admission policy and ClusterRoles as
 * {@code kubectl apply -f crds/ -f deploy/operator.yaml} installs them: a viewer, an editor, an approver, and a lead who
 * may both edit and approve, each bound in one namespace to the roles docs/security.md names, each acting through kubectl.
 */
@RealCluster
class ApprovalPermissionsOnApiServerIT {

    private static final String NS = "lab";
    private static final String ROLE_PREFIX = OperatorCluster.NAMESPACE + "-";
    private static final String APPROVED = DatabaseMigration.APPROVED_PLAN + "=0123abcd";

    private static ControlPlane cluster;

    @BeforeAll
    static void install() {
        cluster = ControlPlane.start("permissions");
        succeeds("create", "namespace", OperatorCluster.NAMESPACE);
        succeeds("apply", "-f", "crds/", "-f", "deploy/operator.yaml");
        cluster.awaitCrdEstablished();
        succeeds("create", "namespace", NS);
        KubernetesClient client = cluster.client();
        bind(client, "viewer", "view");
        bind(client, "editor", "edit");
        bind(client, "approver", "approve");
        bind(client, "lead", "edit");
        bind(client, "lead", "approve");
        client.resource(Fixtures.migration(NS, "webmacs", "webmacs-db", "head")).create();
        // The policy binding reaches the API server's admission a moment after it is created.
        await().atMost(Duration.ofSeconds(60)).until(() -> as("editor", "annotate", "dbm/webmacs", APPROVED).exitCode() != 0);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void onlyAnApproverApproves() {
        ControlPlane.Result viewer = as("viewer", "annotate", "dbm/webmacs", APPROVED);
        ControlPlane.Result editor = as("editor", "annotate", "dbm/webmacs", APPROVED);

        assertThat(viewer.exitCode()).isNotZero();
        assertThat(viewer.output()).contains("forbidden", "cannot patch");
        assertThat(editor.exitCode()).isNotZero();
        assertThat(editor.output()).contains("editor may not approve", "the verb approve on databasemigrations");
        assertThat(annotation()).isNull();

        ControlPlane.Result approver = as("approver", "annotate", "--overwrite", "dbm/webmacs", APPROVED);

        assertThat(approver.exitCode()).as(approver.output()).isZero();
        assertThat(annotation()).isEqualTo("0123abcd");
    }

    @Test
    void onlyAnApproverLetsAManualContractRun() {
        String contract = DatabaseMigration.CONTRACT + "=005_oidc_sso";

        ControlPlane.Result editor = as("editor", "annotate", "dbm/webmacs", contract);

        assertThat(editor.exitCode()).isNotZero();
        assertThat(editor.output()).contains("editor may not approve", DatabaseMigration.CONTRACT);
        assertThat(migration().getMetadata().getAnnotations()).doesNotContainKey(DatabaseMigration.CONTRACT);

        ControlPlane.Result approver = as("approver", "annotate", "--overwrite", "dbm/webmacs", contract);

        assertThat(approver.exitCode()).as(approver.output()).isZero();
        assertThat(migration().getMetadata().getAnnotations()).containsEntry(DatabaseMigration.CONTRACT, "005_oidc_sso");
    }

    @Test
    void approvingNeverEditsTheSpecAndEditingNeverApproves() {
        ControlPlane.Result approverEdits = as("approver", "patch", "dbm/webmacs", "--type=merge",
                "-p", "{\"spec\":{\"targetRevision\":\"004_rbac_api_tokens\"}}");
        ControlPlane.Result leadDoesBoth = as("lead", "patch", "dbm/webmacs", "--type=merge", "-p",
                "{\"metadata\":{\"annotations\":{\"" + DatabaseMigration.APPROVED_PLAN + "\":\"feedface\"}},"
                        + "\"spec\":{\"targetRevision\":\"004_rbac_api_tokens\"}}");

        assertThat(approverEdits.exitCode()).isNotZero();
        assertThat(approverEdits.output()).contains("approver may not change the spec");
        assertThat(leadDoesBoth.exitCode()).isNotZero();
        assertThat(leadDoesBoth.output()).contains("approve a plan and change the spec in separate requests");
        assertThat(migration().getSpec().getTargetRevision()).isEqualTo("head");

        ControlPlane.Result editorEdits = as("editor", "patch", "dbm/webmacs", "--type=merge",
                "-p", "{\"spec\":{\"allowDowngrade\":true}}");

        assertThat(editorEdits.exitCode()).as(editorEdits.output()).isZero();
        assertThat(migration().getSpec().isAllowDowngrade()).isTrue();
    }

    @Test
    void aDatabaseMigrationCreatedApprovedNeedsAnApproverToo() throws IOException {
        DatabaseMigration approvedAtBirth = Fixtures.migration(NS, "preapproved", "webmacs-db", "head");
        approvedAtBirth.getMetadata().setAnnotations(Map.of(DatabaseMigration.APPROVED_PLAN, "0123abcd"));
        Path manifest = Files.writeString(cluster.workDir().resolve("preapproved.yaml"), Serialization.asYaml(approvedAtBirth));

        ControlPlane.Result editor = as("editor", "create", "-f", manifest.toString());

        assertThat(editor.exitCode()).isNotZero();
        assertThat(editor.output()).contains("editor may not approve");
    }

    private static ControlPlane.Result as(String user, String... args) {
        List<String> command = new ArrayList<>(List.of("--as=" + user, "-n", NS));
        command.addAll(List.of(args));
        return cluster.kubectl(command.toArray(String[]::new));
    }

    private static void bind(KubernetesClient client, String user, String role) {
        client.resource(new RoleBindingBuilder().withNewMetadata().withName(user + "-" + role).withNamespace(NS).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(ROLE_PREFIX + role).endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("User").withName(user).endSubject().build()).create();
    }

    private static DatabaseMigration migration() {
        return cluster.client().resources(DatabaseMigration.class).inNamespace(NS).withName("webmacs").get();
    }

    private static String annotation() {
        return migration().getMetadata().getAnnotations() == null ? null
                : migration().getMetadata().getAnnotations().get(DatabaseMigration.APPROVED_PLAN);
    }

    private static void succeeds(String... args) {
        ControlPlane.Result result = cluster.kubectl(args);
        assertThat(result.exitCode()).as("kubectl %s: %s", String.join(" ", args), result.output()).isZero();
    }
}
