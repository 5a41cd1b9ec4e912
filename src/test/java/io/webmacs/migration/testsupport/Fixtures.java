package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.webmacs.migration.api.ApprovalMode;
import io.webmacs.migration.api.ApprovalSpec;
import io.webmacs.migration.api.ChangelogMode;
import io.webmacs.migration.api.ChangelogSpec;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationSpec;
import io.webmacs.migration.api.DatabaseSpec;
import io.webmacs.migration.api.DestructivePolicy;
import io.webmacs.migration.api.DriftCheckSpec;
import io.webmacs.migration.api.PolicySpec;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.api.RunnerSpec;
import io.webmacs.migration.api.SecretValueSource;
import io.webmacs.migration.api.WorkloadReference;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** The objects the operator tests create: namespaces, Secrets in WebMACS's own form, DatabaseMigrations. */
public final class Fixtures {

    /** A changelog of an application's own whose second revision fails: v1 applies, broken fails, v2 is never reached. */
    public static final String FAILING_CHANGELOG = """
            databaseChangeLog:
              - changeSet: {id: create-things, author: app, changes: [{createTable: {tableName: things, columns: [{column: {name: id, type: int}}]}}]}
              - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
              - changeSet: {id: broken, author: app, changes: [{sql: {sql: ALTER TABLE no_such_table ADD COLUMN x int}}]}
              - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
            """;

    /**
     * A changelog whose v2 changeset inserts one row into {@code things} and then, on its first try only, sleeps a
     * minute, long enough for a test to terminate the runner's session in the middle of it. A sequence counts the tries:
     * it is not rolled back with the changeset.
     */
    public static final String INTERRUPTIBLE_CHANGELOG = """
            databaseChangeLog:
              - changeSet: {id: things, author: app, changes: [{sql: {sql: "CREATE TABLE things (id int); CREATE SEQUENCE tries"}}]}
              - changeSet: {id: v1, author: app, changes: [{tagDatabase: {tag: v1}}]}
              - changeSet:
                  id: slow
                  author: app
                  changes:
                    - sql: {sql: "INSERT INTO things VALUES (1); SELECT pg_sleep(CASE WHEN nextval('tries') = 1 THEN 60 ELSE 0 END)"}
              - changeSet: {id: v2, author: app, changes: [{tagDatabase: {tag: v2}}]}
            """;

    /** An extension of the built-in changelog: revision 006_my_new_table, WebMACS's documentation example. */
    public static final Path MY_NEW_TABLE_EXTENSION = testResourcePath("/changelogs/extension/006_my_new_table.xml");
    /**
     * The shipped image with that extension's folder added by deploy/extension-image/ (image/build.sh builds it for the
     * real tier; the mock tier's Job executor finds the folder's files where the image has them).
     */
    public static final String EXTENDED_IMAGE = "localhost/webmacs-migrate-extended:1";
    /** Where deploy/extension-image/ puts the extension's folder in the image. */
    public static final String EXTENDED_IMAGE_FOLDER = "/opt/webmacs/changelog-extension";
    public static final String EXTENDED_IMAGE_CHANGELOG = EXTENDED_IMAGE_FOLDER + "/" + MY_NEW_TABLE_EXTENSION.getFileName();

    /** The table of {@link #MY_NEW_TABLE_EXTENSION} as WebMACS's create_all makes it: what a database at 006 has more than 005. */
    public static final String MY_NEW_TABLE_DDL = "CREATE TABLE my_new_table (id SERIAL PRIMARY KEY, public_id VARCHAR(100)"
            + " NOT NULL UNIQUE, name VARCHAR(255) NOT NULL, created_on TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL)";

    /** A changelog whose v2 deletes rows through a DO block and a DELETE inside a WITH: a plan of it is destructive. */
    public static final String UNREVIEWED_CHANGELOG = testResource("/changelogs/unreviewed.yaml");

    /**
     * Two DatabaseMigration names of the longest length the CRD allows, 63 characters, that share their first 40
     * characters (up to a dot): what the operator once kept of a name in its Job names.
     */
    public static final List<String> LONGEST_NAMES = List.of("webmacs-frankfurt-laboratory-production.schema-migrations-alpha",
            "webmacs-frankfurt-laboratory-production.schema-migrations-omega");

    private static final AtomicInteger namespaces = new AtomicInteger();
    /**
     * Quarkus restarts between test classes load this class again, and the counter with it, while meters registered
     * by an earlier start stay in the JVM: a per-load prefix keeps one class's resources from taking another's meters.
     */
    private static final String NAMESPACE_PREFIX = "ns-" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36) + "-";

    private Fixtures() {
    }

    /** Registers the committed CRD with the mock API server, so the status subresource behaves as in a cluster. */
    public static void installCrd(KubernetesClient client) {
        try (InputStream in = new FileInputStream("crds/databasemigrations.migrations.webmacs.io-v1.yml")) {
            CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(in).item();
            client.resource(crd).createOr(existing -> existing.update());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String newNamespace(KubernetesClient client) {
        String name = NAMESPACE_PREFIX + namespaces.incrementAndGet();
        client.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
        return name;
    }

    /**
     * A Secret holding WebMACS's DATABASE_URL, password included, exactly as WebMACS's own deployment has it; an existing
     * one is pointed at {@code db}.
     */
    public static Secret databaseSecret(KubernetesClient client, String namespace, String name, TestDatabase db) {
        return client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withStringData(Map.of("DATABASE_URL", db.sqlAlchemyUrl())).build()).createOr(NonDeletingOperation::update);
    }

    /** A DatabaseMigration whose URL comes from the Secret {@code secret}. */
    public static DatabaseMigration migration(String namespace, String name, String secret, String targetRevision) {
        DatabaseSpec database = new DatabaseSpec();
        database.setUrlFrom(new SecretValueSource(new SecretKeySelector("DATABASE_URL", secret, false)));
        DatabaseMigrationSpec spec = new DatabaseMigrationSpec();
        spec.setDatabase(database);
        spec.setTargetRevision(targetRevision);
        DatabaseMigration migration = new DatabaseMigration();
        migration.getMetadata().setName(name);
        migration.getMetadata().setNamespace(namespace);
        migration.setSpec(spec);
        return migration;
    }

    /**
     * The same, at head, with the changelog extension at {@code path} of the runner image {@code image} (an image built
     * FROM the operator's): spec.runner.image and spec.changelog {path, mode: Extend}.
     */
    public static DatabaseMigration migrationExtendedInImage(String namespace, String name, String secret, String image, String path) {
        DatabaseMigration migration = migration(namespace, name, secret, "head");
        RunnerSpec runner = new RunnerSpec();
        runner.setImage(image);
        migration.getSpec().setRunner(runner);
        ChangelogSpec changelog = new ChangelogSpec();
        changelog.setPath(path);
        changelog.setMode(ChangelogMode.Extend);
        migration.getSpec().setChangelog(changelog);
        return migration;
    }

    /** {@code migration} with approval.mode Manual: planned first, run once the plan is approved. */
    public static DatabaseMigration manual(DatabaseMigration migration) {
        ApprovalSpec approval = new ApprovalSpec();
        approval.setMode(ApprovalMode.Manual);
        migration.getSpec().setApproval(approval);
        return migration;
    }

    /** spec.rollout around the Deployment {@code deployment}: its new pods wait at the gate until the schema is ready. */
    public static RolloutSpec rolloutOf(String deployment) {
        WorkloadReference workload = new WorkloadReference();
        workload.setName(deployment);
        RolloutSpec rollout = new RolloutSpec();
        rollout.setWorkloadRef(workload);
        return rollout;
    }

    /** {@code migration} with its schema checked for drift every {@code interval}. */
    public static DatabaseMigration checkedEvery(String interval, DatabaseMigration migration) {
        DriftCheckSpec driftCheck = new DriftCheckSpec();
        driftCheck.setInterval(interval);
        migration.getSpec().setDriftCheck(driftCheck);
        return migration;
    }

    /** {@code migration} with policy.destructive Deny: a destructive plan stalls before anything runs. */
    public static DatabaseMigration deny(DatabaseMigration migration) {
        PolicySpec policy = new PolicySpec();
        policy.setDestructive(DestructivePolicy.Deny);
        migration.getSpec().setPolicy(policy);
        return migration;
    }

    public static ConfigMap changelogConfigMap(KubernetesClient client, String namespace, String name, String file, String content) {
        return changelogConfigMap(client, namespace, name, Map.of(file, content));
    }

    /** A changelog ConfigMap of several files, by name (give spec.changelog.file the root's). */
    public static ConfigMap changelogConfigMap(KubernetesClient client, String namespace, String name, Map<String, String> files) {
        return client.resource(new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withData(files).build()).create();
    }

    public static ChangelogSpec changelogFrom(String configMap) {
        ChangelogSpec changelog = new ChangelogSpec();
        changelog.setConfigMapRef(new LocalObjectReference(configMap));
        return changelog;
    }

    public static List<Job> jobs(KubernetesClient client, String namespace) {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    private static Path testResourcePath(String path) {
        try {
            return Path.of(Fixtures.class.getResource(path).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String testResource(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
