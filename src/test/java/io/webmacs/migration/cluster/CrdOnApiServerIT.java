package io.webmacs.migration.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
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
        ControlPlane.Result established = cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                "crd/databasemigrations.migrations.webmacs.io");
        assertThat(established.exitCode()).as(established.output()).isZero();
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
            a drift check every 30s | {database: {url: "jdbc:postgresql://db/webmacs"}, driftCheck: {interval: 30s}} | driftCheck.interval must be at least 1m
            a drift check every day | {database: {url: "jdbc:postgresql://db/webmacs"}, driftCheck: {interval: 1d}} | spec.driftCheck.interval in body should match
            InitContainer mode with a custom changelog but no file | {database: {url: "jdbc:postgresql://db/webmacs"}, changelog: {configMapRef: {name: my-changelog}}, rollout: {mode: InitContainer, workloadRef: {name: webmacs-backend}}} | rollout.mode InitContainer with a changelog ConfigMap needs spec.changelog.file
            """)
    void theApiServerRefusesAnInvalidDatabaseMigrationWithTheCrdsMessage(String what, String spec, String message) throws IOException {
        ControlPlane.Result refused = apply("invalid", "spec: " + spec);

        assertThat(refused.exitCode()).as(refused.output()).isNotZero();
        assertThat(refused.output()).contains(message);
        assertThat(cluster.kubectl("get", "dbm", "invalid").exitCode()).as("nothing was stored").isNotZero();
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
