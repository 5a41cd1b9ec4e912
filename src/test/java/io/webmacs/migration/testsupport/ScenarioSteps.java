package io.webmacs.migration.testsupport;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * The steps the operator's scenarios take on a {@link ClusterUnderTest}, as a user would: databases and their Secrets,
 * a DatabaseMigration created and awaited, its Jobs, plan and Events read. Most scenarios have one DatabaseMigration,
 * {@value #NAME}, with its URL in the Secret {@value #SECRET}.
 */
public final class ScenarioSteps {

    public static final String NAME = "webmacs";
    public static final String SECRET = "webmacs-db";

    private final ClusterUnderTest cluster;

    public ScenarioSteps(ClusterUnderTest cluster) {
        this.cluster = cluster;
    }

    public ClusterUnderTest cluster() {
        return cluster;
    }

    public KubernetesClient client() {
        return cluster.client();
    }

    /** A new empty database, and WebMACS's DATABASE_URL Secret {@value #SECRET} for it in {@code ns}. */
    public TestDatabase databaseSecretIn(String ns) {
        TestDatabase db = cluster.newDatabase();
        Fixtures.databaseSecret(client(), ns, SECRET, db);
        return db;
    }

    /** A database at 003_fk_ondelete, migrated by hand, and WebMACS's DATABASE_URL Secret for it in {@code ns}. */
    public TestDatabase databaseAt003In(String ns) {
        TestDatabase db = databaseSecretIn(ns);
        Cli.against(db).ok("upgrade", "003_fk_ondelete");
        return db;
    }

    /** A new database, and the DatabaseMigration {@code app} to head of {@code changelog}, from a ConfigMap, for it in {@code ns}. */
    public TestDatabase createAppWithChangelog(String ns, String changelog) {
        TestDatabase db = cluster.newDatabase();
        Fixtures.databaseSecret(client(), ns, "app-db", db);
        Fixtures.changelogConfigMap(client(), ns, "app-changelog", "changelog.yaml", changelog);
        DatabaseMigration migration = Fixtures.migration(ns, "app", "app-db", "head");
        migration.getSpec().setChangelog(Fixtures.changelogFrom("app-changelog"));
        client().resource(migration).create();
        return db;
    }

    /** The DatabaseMigration {@value #NAME} once {@code assertion} holds for it. */
    public DatabaseMigration awaitMigration(String ns, Consumer<DatabaseMigration> assertion) {
        return cluster.awaitMigration(ns, NAME, assertion);
    }

    /** Creates {@code migration} and returns the hash of the plan whose approval it then awaits. */
    public String awaitedPlanOf(DatabaseMigration migration) {
        client().resource(migration).create();
        return cluster.awaitMigration(migration.getMetadata().getNamespace(), migration.getMetadata().getName(),
                m -> assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL)).getStatus().getPlan().getHash();
    }

    /** {@value #NAME} once it awaits the approval of a plan other than {@code approved}. */
    public DatabaseMigration awaitNewPlan(String ns, String approved) {
        return awaitMigration(ns, m -> {
            assertThatMigration(m).isReconciling(Conditions.AWAITING_APPROVAL);
            assertThat(m.getStatus().getPlan().getHash()).isNotEqualTo(approved);
        });
    }

    /** The plan ConfigMap {@value #NAME}-plan once it holds the plan {@code hash}. */
    public ConfigMap awaitPlanConfigMap(String ns, String hash) {
        return Migrations.awaitPlanConfigMap(client(), ns, NAME, hash, cluster.patience());
    }

    /**
     * The namespace's Jobs in the order they were made. Creation times are whole seconds: the mock API server makes Jobs
     * within one, and gives out its uids in order; on a real cluster one run takes seconds, so the uid never decides there.
     */
    public List<Job> jobs(String ns) {
        return Fixtures.jobs(client(), ns).stream()
                .sorted(Comparator.comparing((Job j) -> Instant.parse(j.getMetadata().getCreationTimestamp()))
                        .thenComparing(j -> j.getMetadata().getUid())).toList();
    }

    /** The verb of each of the namespace's Jobs, in the order they were made. */
    public List<String> verbs(String ns) {
        return jobs(ns).stream().map(j -> j.getMetadata().getLabels().get(Labels.VERB)).toList();
    }

    /** The namespace's one Job. */
    public Job onlyJob(String ns) {
        List<Job> jobs = Fixtures.jobs(client(), ns);
        assertThat(jobs).as("the Jobs in " + ns).hasSize(1);
        return jobs.get(0);
    }

    public List<Event> events(String ns) {
        return client().v1().events().inNamespace(ns).list().getItems();
    }
}
