package io.webmacs.migration.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.webmacs.migration.api.CrdRules;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.dependent.MigrationJobDependent;
import io.webmacs.migration.gate.Gates;
import io.webmacs.migration.run.JobRequest;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.RunnerDefaults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed CRD on a real kube-apiserver: it is accepted (its CEL rules compile within the cost budget), kubectl
 * explain shows its descriptions, and the API server itself refuses invalid DatabaseMigrations with the CRD's messages.
 */
@RealCluster
class CrdOnApiServerIT {

    private static ControlPlane cluster;

    @BeforeAll
    static void applyCrd() {
        cluster = ControlPlane.start("crd");
        ControlPlane.Result applied = cluster.kubectl("apply", "-f", "crds/");
        assertThat(applied.exitCode()).as(applied.output()).isZero();
        cluster.awaitCrdEstablished();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void kubectlExplainShowsTheFieldDescriptions() {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            ControlPlane.Result explain = cluster.kubectl("explain", "databasemigration.spec.database");
            assertThat(explain.exitCode()).as(explain.output()).isZero();
            assertThat(explain.output()).contains("The PostgreSQL database to migrate.", "urlFrom", "passwordFrom");
        });
        assertThat(cluster.kubectl("explain", "dbm.spec.targetRevision").output()).contains("a revision tag such as 005_oidc_sso");
    }

    @Test
    void aValidDatabaseMigrationIsAcceptedAndDefaulted() throws IOException {
        ControlPlane.Result created = apply("valid", "spec: {database: {urlFrom: {secretKeyRef: {name: webmacs-db, key: DATABASE_URL}}}}");
        assertThat(created.exitCode()).as(created.output()).isZero();
        assertThat(cluster.kubectl("get", "dbm", "valid", "-o", "jsonpath={.spec.targetRevision}").output()).isEqualTo("head");
    }

    @Test
    void aDriftCheckOfAnHourAndAHalfIsAccepted() throws IOException {
        ControlPlane.Result created = apply("checked", "spec: {database: {url: \"jdbc:postgresql://db/webmacs\"}, driftCheck: {interval: 1h30m}}");

        assertThat(created.exitCode()).as(created.output()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            a password in the url | {database: {url: "postgresql://webmacs:secret@db:5432/webmacs"}} | url must not contain a password: put it in a Secret and use urlFrom or passwordFrom
            both url and urlFrom  | {database: {url: "jdbc:postgresql://db/webmacs", urlFrom: {secretKeyRef: {name: webmacs-db, key: DATABASE_URL}}}} | set exactly one of url and urlFrom
            a malformed revision  | {database: {url: "jdbc:postgresql://db/webmacs"}, targetRevision: "head; DROP TABLE users"} | spec.targetRevision in body should match
            InitContainer mode with a custom changelog but no file | {database: {url: "jdbc:postgresql://db/webmacs"}, changelog: {configMapRef: {name: my-changelog}}, rollout: {mode: InitContainer, workloadRef: {name: webmacs-backend}}} | rollout.mode InitContainer with a changelog ConfigMap needs spec.changelog.file
            """)
    void theApiServerRefusesAnInvalidDatabaseMigrationWithTheCrdsMessage(String what, String spec, String message) throws IOException {
        ControlPlane.Result refused = apply("invalid", "spec: " + spec);

        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains(message);
        assertThat(cluster.kubectl("get", "dbm", "invalid").exitCode()).as("nothing was stored").isNotZero();
    }

    /** The table CrdValidationRulesTest checks with cel-java, on the API server: refused with the CRD's message, nothing stored. */
    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = CrdRules.REFUSED, delimiter = '|')
    void theApiServerRefusesEachBadInputOfTheTable(String what, String name, String spec, String celMessage, String message)
            throws IOException {
        ControlPlane.Result refused = apply(name, "spec: " + spec);

        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains(message);
        assertThat(cluster.kubectl("get", "dbm", name).exitCode()).as("nothing was stored").isNotZero();
    }

    /**
     * The longest names the CRD allows: the API server accepts the DatabaseMigration, the Jobs the operator makes for it
     * (names and labels of the Job and its pod template), and a pod held by its scheduling gate.
     */
    @Test
    void theLongestNamesAndWhatTheOperatorMakesOfThemAreValid() {
        KubernetesClient client = cluster.client();
        await().atMost(Duration.ofSeconds(60)).until(() -> client.serviceAccounts().inNamespace("default").withName("default").get() != null);
        for (String name : Fixtures.LONGEST_NAMES) {
            DatabaseMigration migration = client.resource(Fixtures.migration("default", name, "webmacs-db", "head")).create();
            for (JobRequest request : List.of(new JobRequest("0123456789", 1, Verb.UPGRADE, "head", null),
                    new JobRequest("0123456789", 1, Verb.CHECK, null, null))) {
                Job job = client.resource(MigrationJobDependent.job(migration, request, RunnerDefaults.RUNNER)).create();
                assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).containsEntry(Labels.MIGRATION, name)
                        .containsEntry("batch.kubernetes.io/job-name", job.getMetadata().getName());
            }
            client.resource(new PodBuilder().withNewMetadata().withGenerateName("webmacs-backend-").withNamespace("default")
                    .withLabels(Map.of(Gates.GATED_BY, name)).endMetadata()
                    .withNewSpec().addNewSchedulingGate(Gates.gateName(migration)).addNewContainer().withName("backend")
                    .withImage("webmacs-backend").endContainer().endSpec().build()).create();
        }
    }

    /** kubectl apply of the DatabaseMigration {@code name} with {@code spec}, a line of YAML. */
    private static ControlPlane.Result apply(String name, String spec) throws IOException {
        Path file = Files.writeString(Files.createTempFile(cluster.workDir(), "dbm-", ".yaml"), """
                apiVersion: migrations.webmacs.io/v1alpha1
                kind: DatabaseMigration
                metadata: {name: %s, namespace: default}
                """.formatted(name) + spec);
        return cluster.kubectl("apply", "-f", file.toString());
    }
}
