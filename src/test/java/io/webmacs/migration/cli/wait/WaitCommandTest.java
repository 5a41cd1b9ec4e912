package io.webmacs.migration.cli.wait;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.webmacs.migration.testsupport.ApiServer;
import io.webmacs.migration.testsupport.Cli;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code webmacs-migrate wait} against the fabric8 mock API server in CRUD mode, with the committed CRD installed. */
@EnableKubernetesMockClient(crud = true)
class WaitCommandTest {

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
    }

    @Test
    void alreadyReadyReturnsAtOnce() {
        api.create("lab", "webmacs");
        api.ready("lab", "webmacs", 1, "005_oidc_sso");
        long started = System.nanoTime();

        Cli.Run run = cli.run("wait", "webmacs", "--timeout", "60s");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("webmacs is Ready at 005_oidc_sso (generation 1)\n");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    }

    @Test
    void jsonResultNamesTheMigrationItsRevisionAndGeneration() {
        api.create("lab", "webmacs");
        api.ready("lab", "webmacs", 1, "005_oidc_sso");

        Cli.Run run = cli.run("--output", "json", "wait", "webmacs");

        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = run.json();
        assertThat(result.get("command").asText()).isEqualTo("wait");
        assertThat(result.get("name").asText()).isEqualTo("webmacs");
        assertThat(result.get("namespace").asText()).isEqualTo("lab");
        assertThat(result.get("ready").asBoolean()).isTrue();
        assertThat(result.get("revision").asText()).isEqualTo("005_oidc_sso");
        assertThat(result.get("generation").asLong()).isEqualTo(1);
        assertThat(result.get("reason").asText()).isEqualTo("UpToDate");
        assertThat(result.get("message").asText()).isEqualTo("At 005_oidc_sso");
        assertThat(result.get("error").isNull()).isTrue();
        assertThat(result.has("drift")).as("no drift check, no drift").isFalse();
    }

    @Test
    void driftIsAWarningAndTheWaitStillSucceeds() {
        api.create("lab", "webmacs");
        String drift = "1 difference from the schema the changelog defines at 005_oidc_sso: missing index users.ix_users_email";
        api.readyButDrifted("lab", "webmacs", 1, "005_oidc_sso", drift);

        Cli.Run text = cli.run("wait", "webmacs");
        Cli.Run json = cli.run("--output", "json", "wait", "webmacs");

        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).isEqualTo("webmacs is Ready at 005_oidc_sso (generation 1)\n");
        assertThat(text.errLines()).contains("warning: webmacs is Drifted: " + drift);
        assertThat(json.exitCode()).isZero();
        assertThat(json.json().get("ready").asBoolean()).isTrue();
        assertThat(json.json().get("drift").asText()).isEqualTo(drift);
    }

    @Test
    void reconcilingThenReadyEndsTheWaitWhenTheStatusChanges() {
        api.create("lab", "webmacs");
        api.reconciling("lab", "webmacs", 1, "Migrating", "Job webmacs-8d41e07c52-1 is running");

        Cli.Running waiting = cli.start("wait", "webmacs", "--timeout", "60s");
        await().atMost(Duration.ofSeconds(30)).until(() -> waiting.errSoFar().contains("Reconciling: Migrating"));
        assertThat(waiting.finished()).isNotDone();
        api.ready("lab", "webmacs", 1, "005_oidc_sso");

        Cli.Run run = waiting.finished().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("webmacs is Ready at 005_oidc_sso (generation 1)\n");
        assertThat(run.errLines()).containsExactly(
                "webmacs: Reconciling: Migrating: Job webmacs-8d41e07c52-1 is running",
                "webmacs: Ready: UpToDate: At 005_oidc_sso");
    }

    @Test
    void readyForAnOlderGenerationIsNotReady() {
        api.create("lab", "webmacs");
        api.ready("lab", "webmacs", 1, "005_oidc_sso");
        api.changeTarget("lab", "webmacs", "003_fk_ondelete");

        Cli.Run run = cli.run("wait", "webmacs", "--timeout", "2s");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(4);
        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).last().asString().isEqualTo("error: DatabaseMigration lab/webmacs is not Ready after 2s;"
                + " last seen: generation 2 not observed yet (status is for generation 1).");
    }

    @Test
    void stalledFailsAtOnceWithTheReasonAndMessage() {
        api.create("lab", "webmacs");
        api.stalled("lab", "webmacs", 1, "ChangesetFailed", "Job webmacs-8d41e07c52-1 failed: column \"x\" does not exist");
        long started = System.nanoTime();

        Cli.Run run = cli.run("--output", "json", "wait", "webmacs", "--timeout", "60s");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
        assertThat(run.errLines()).filteredOn(l -> l.startsWith("error: ")).singleElement().asString()
                .isEqualTo("error: DatabaseMigration lab/webmacs is Stalled: ChangesetFailed: Job webmacs-8d41e07c52-1 failed:"
                        + " column \"x\" does not exist. Waiting will not help: fix its spec or its changelog.");
        assertThat(run.json().at("/error/code").asText()).isEqualTo("MigrationStalled");
        assertThat(run.json().get("reason").asText()).isEqualTo("ChangesetFailed");
        assertThat(run.json().get("ready").asBoolean()).isFalse();
    }

    @Test
    void missingResourceTimesOutSayingNotFound() {
        Cli.Run run = cli.run("wait", "webmacs", "--timeout", "2s");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(4);
        assertThat(run.errLines()).containsExactly("webmacs: not found",
                "error: DatabaseMigration lab/webmacs is not Ready after 2s; last seen: not found.");
    }

    @Test
    void resourceCreatedWhileWaitingIsWaitedForUntilReady() {
        Cli.Running waiting = cli.start("wait", "webmacs", "--namespace", "team-a", "--timeout", "60s");
        await().atMost(Duration.ofSeconds(30)).until(() -> waiting.errSoFar().contains("webmacs: not found"));

        api.create("team-a", "webmacs");
        api.reconciling("team-a", "webmacs", 1, "Migrating", "Job webmacs-8d41e07c52-1 is running");
        api.ready("team-a", "webmacs", 1, "005_oidc_sso");

        Cli.Run run = waiting.finished().orTimeout(30, TimeUnit.SECONDS).join();
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("webmacs is Ready at 005_oidc_sso (generation 1)\n");
    }

    @Test
    void unreachableApiExitsThree() throws Exception {
        Path kubeconfig = ApiServer.kubeconfig(dir, "https://127.0.0.1:" + ApiServer.closedPort(), "lab");

        Cli.Run run = Cli.withoutDatabase().run("--output", "json", "wait", "webmacs", "--kubeconfig", kubeconfig.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.errLines()).singleElement().asString().startsWith("error: Cannot reach the Kubernetes API at https://127.0.0.1:");
        assertThat(run.json().at("/error/code").asText()).isEqualTo("KubernetesUnreachable");
    }

    @Test
    void refusedAccessExitsThreeNamingThePermissions() {
        server.expect().get().withPath("/apis/migrations.webmacs.io/v1alpha1/namespaces/lab/databasemigrations"
                + "?fieldSelector=metadata.name%3Dwebmacs&resourceVersion=0").andReturn(403, null).always();

        Cli.Run run = cli.run("wait", "webmacs", "--timeout", "30s");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.errLines()).singleElement().asString().contains("(HTTP 403)", "get, list and watch on databasemigrations");
    }

    @Test
    void apiServerWithoutTheCrdExitsThree() {
        server.expect().get().withPath("/apis/migrations.webmacs.io/v1alpha1/namespaces/lab/databasemigrations"
                + "?fieldSelector=metadata.name%3Dwebmacs&resourceVersion=0").andReturn(404, null).always();

        Cli.Run run = cli.run("wait", "webmacs", "--timeout", "30s");

        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.errLines()).singleElement().asString().endsWith(
                " does not serve databasemigrations.migrations.webmacs.io/v1alpha1: install the operator's CRD.");
    }

    @Test
    void unreadableKubeconfigExitsThree() {
        Cli.Run run = Cli.withoutDatabase().run("wait", "webmacs", "--kubeconfig", dir.resolve("missing").toString());

        assertThat(run.exitCode()).isEqualTo(3);
        assertThat(run.errLines()).singleElement().asString().startsWith("error: Cannot use the kubeconfig ");
    }

    @Test
    void badTimeoutIsAUsageError() {
        Cli.Run run = cli.run("wait", "webmacs", "--timeout", "soon");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.errLines()).singleElement().asString().contains("'--timeout': 'soon' is not a duration between 1s and 24h: write it as 300s, 5m, 1h30m");
    }
}
