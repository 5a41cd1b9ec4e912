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
        ControlPlane.Result created = apply("valid", """
                spec:
                  database:
                    urlFrom: {secretKeyRef: {name: webmacs-db, key: DATABASE_URL}}
                """);
        assertThat(created.exitCode()).as(created.output()).isZero();
        assertThat(cluster.kubectl("get", "dbm", "valid", "-o", "jsonpath={.spec.targetRevision}").output()).isEqualTo("head");
    }

    @Test
    void aPasswordInTheUrlIsRefused() throws IOException {
        ControlPlane.Result refused = apply("invalid", """
                spec:
                  database:
                    url: postgresql://webmacs:secret@db:5432/webmacs
                """);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).contains("url must not contain a password: put it in a Secret and use urlFrom or passwordFrom");
    }

    @Test
    void bothUrlAndUrlFromAreRefused() throws IOException {
        ControlPlane.Result refused = apply("invalid", """
                spec:
                  database:
                    url: jdbc:postgresql://db:5432/webmacs
                    urlFrom: {secretKeyRef: {name: webmacs-db, key: DATABASE_URL}}
                """);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).contains("set exactly one of url and urlFrom");
    }

    @Test
    void aMalformedRevisionIsRefused() throws IOException {
        ControlPlane.Result refused = apply("invalid", """
                spec:
                  database:
                    url: jdbc:postgresql://db:5432/webmacs
                  targetRevision: "head; DROP TABLE users"
                """);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).contains("spec.targetRevision", "should match");
    }

    @Test
    void anInitContainerRolloutWithACustomChangelogNeedsItsFile() throws IOException {
        ControlPlane.Result refused = apply("invalid", """
                spec:
                  database:
                    url: jdbc:postgresql://db:5432/webmacs
                  changelog: {configMapRef: {name: my-changelog}}
                  rollout: {mode: InitContainer, workloadRef: {name: webmacs-backend}}
                """);
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.output()).contains("rollout.mode InitContainer with a changelog ConfigMap needs spec.changelog.file");
    }

    /** kubectl apply of the DatabaseMigration {@code name} with {@code spec}. */
    private static ControlPlane.Result apply(String name, String spec) throws IOException {
        Path file = Files.writeString(Files.createTempFile(cluster.workDir(), "dbm-", ".yaml"), """
                apiVersion: migrations.webmacs.io/v1alpha1
                kind: DatabaseMigration
                metadata: {name: %s, namespace: default}
                """.formatted(name) + spec);
        return cluster.kubectl("apply", "-f", file.toString());
    }
}
