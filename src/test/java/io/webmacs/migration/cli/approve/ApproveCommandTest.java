package io.webmacs.migration.cli.approve;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.webmacs.migration.cli.wait.KubernetesApi;
import io.webmacs.migration.testsupport.ApiServer;
import io.webmacs.migration.testsupport.Cli;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code webmacs-migrate approve} against the fabric8 mock API server in CRUD mode, with the committed CRD installed. */
@EnableKubernetesMockClient(crud = true)
class ApproveCommandTest {

    private static final String HASH = "cf4c72312922b0dd67f50f03d18dd1f968087034d46c10d3961cd76c097e5e0c";

    KubernetesMockServer server;
    KubernetesClient client;

    @TempDir
    Path dir;

    private ApiServer api;
    private Cli cli;

    @BeforeEach
    void setUp() throws Exception {
        api = new ApiServer(client);
        api.installCrd();
        cli = Cli.withoutDatabase().env("KUBECONFIG", api.kubeconfig(dir, "lab").toString());
        api.create("lab", "webmacs");
    }

    @Test
    void showsTheAwaitedPlanWithItsSqlThenAnnotatesItsHash() {
        awaitingApprovalWithPlanText();

        Cli.Run run = cli.run("approve", "webmacs");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Plan hash: " + HASH, "ALTER TABLE public.users DROP COLUMN admin")
                .endsWith("Approved plan " + HASH + " of DatabaseMigration lab/webmacs; the migration runs now.\n");
        assertThat(approvedPlan()).isEqualTo(HASH);
    }

    @Test
    void withHashItApprovesOnlyThePlanThatWasReviewed() {
        awaitingApprovalWithPlanText();

        Cli.Run changed = cli.run("approve", "webmacs", "-n", "lab", "--hash", "0".repeat(64));
        Cli.Run same = cli.run("--output", "json", "approve", "webmacs", "--hash", HASH);

        assertThat(changed.exitCode()).isEqualTo(2);
        assertThat(changed.errLines()).singleElement().asString().contains("awaits approval of plan " + HASH, "the plan changed");
        assertThat(same.exitCode()).as(same.err()).isZero();
        assertThat(same.json().get("approved").asBoolean()).isTrue();
        assertThat(same.json().get("hash").asText()).isEqualTo(HASH);
        assertThat(approvedPlan()).isEqualTo(HASH);
    }

    @Test
    void nothingToApproveWhenNoPlanAwaitsApprovalOrTheResourceIsMissing() {
        api.ready("lab", "webmacs", 1, "005_oidc_sso");

        Cli.Run ready = cli.run("--output", "json", "approve", "webmacs");
        Cli.Run missing = cli.run("approve", "nothing-here");

        assertThat(ready.exitCode()).isEqualTo(2);
        assertThat(ready.json().get("error").get("code").asText()).isEqualTo("NothingToApprove");
        assertThat(ready.json().get("error").get("message").asText()).contains("awaits no approval", "UpToDate");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.errLines()).singleElement().asString().contains("lab/nothing-here not found");
        assertThat(approvedPlan()).isNull();
    }

    @Test
    void aPlanAwaitedForTheLastGenerationIsNotApprovedAfterASpecChange() {
        awaitingApprovalWithPlanText();
        conditionsNameNoGeneration();
        api.changeTarget("lab", "webmacs", "004_rbac_api_tokens");

        Cli.Run run = cli.run("--output", "json", "approve", "webmacs");

        assertThat(run.exitCode()).as(run.out()).isEqualTo(2);
        assertThat(run.json().get("error").get("code").asText()).isEqualTo("NothingToApprove");
        assertThat(approvedPlan()).isNull();
    }

    @Test
    void anUnreachableApiIsExitThree() throws Exception {
        Cli.Run run = Cli.withoutDatabase().env("KUBECONFIG", ApiServer.kubeconfig(dir, "https://127.0.0.1:" + ApiServer.closedPort(), "lab")
                .toString()).run("approve", "webmacs");

        assertThat(run.exitCode()).isEqualTo(3);
    }

    private void awaitingApprovalWithPlanText() {
        api.awaitingApproval("lab", "webmacs", 1, HASH);
        client.configMaps().inNamespace("lab").resource(new ConfigMapBuilder().withNewMetadata().withName("webmacs-plan").endMetadata()
                .withData(Map.of("hash", HASH, "plan.txt", "Plan: upgrade from 003_fk_ondelete to 005_oidc_sso (head)\nPlan hash: " + HASH
                        + "\n-- Apply 004_rbac_api_tokens\nALTER TABLE public.users DROP COLUMN admin;\n")).build()).create();
    }

    /** Conditions that name no generation count for their status's: here generation 1's. */
    private void conditionsNameNoGeneration() {
        client.genericKubernetesResources(KubernetesApi.DATABASE_MIGRATIONS).inNamespace("lab").withName("webmacs").editStatus(m -> {
            List<Map<String, Object>> conditions = m.get("status", "conditions");
            conditions.forEach(c -> c.remove("observedGeneration"));
            return m;
        });
    }

    private String approvedPlan() {
        GenericKubernetesResource migration = client.genericKubernetesResources(KubernetesApi.DATABASE_MIGRATIONS).inNamespace("lab")
                .withName("webmacs").get();
        return migration.getMetadata().getAnnotations() == null ? null : migration.getMetadata().getAnnotations().get("migrations.webmacs.io/approved-plan");
    }
}
