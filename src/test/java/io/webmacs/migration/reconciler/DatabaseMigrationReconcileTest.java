package io.webmacs.migration.reconciler;

import static io.webmacs.migration.reconciler.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.Conditions;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.runner.Catalog;
import io.webmacs.migration.runner.EmbeddedPostgresServer;
import io.webmacs.migration.runner.TestDatabase;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator against the fabric8 mock API server, with every Job it creates really run through webmacs-migrate
 * against an embedded PostgreSQL by {@link JobExecutor}.
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class DatabaseMigrationReconcileTest {

    private static JobExecutor executor;

    @Inject
    KubernetesClient client;

    @BeforeEach
    void startExecutor() {
        if (executor == null) {
            Fixtures.installCrd(client);
            executor = new JobExecutor(client);
            executor.start();
        }
    }

    @AfterAll
    static void stopExecutor() {
        executor.close();
        executor = null;
    }

    @Test
    void emptyDatabaseBecomesReadyAtHeadThroughOneJob() {
        String ns = Fixtures.newNamespace(client);
        TestDatabase db = EmbeddedPostgresServer.newDatabase();
        Fixtures.databaseSecret(client, ns, "webmacs-db", db);

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();

        DatabaseMigration ready = awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(ready.getStatus().getTargetRevision()).isEqualTo("005_oidc_sso");
        assertThat(ready.getStatus().getLastRun().getApplied()).hasSize(6);
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
        List<Job> jobs = Fixtures.jobs(client, ns);
        assertThat(jobs).hasSize(1);
        Container migrate = jobs.get(0).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(migrate.getName()).isEqualTo("migrate");
        assertThat(migrate.getArgs()).containsExactly("upgrade", "005_oidc_sso", "--result-file", "/dev/termination-log");
        assertThat(migrate.getEnv()).singleElement().satisfies(env -> {
            assertThat(env.getName()).isEqualTo("DATABASE_URL");
            assertThat(env.getValueFrom().getSecretKeyRef().getName()).isEqualTo("webmacs-db");
        });
    }

    @Test
    void unknownRevisionStallsWithoutAJob() {
        String ns = Fixtures.newNamespace(client);
        Fixtures.databaseSecret(client, ns, "webmacs-db", EmbeddedPostgresServer.newDatabase());

        client.resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "009_future")).create();

        awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isStalled(Conditions.UNKNOWN_REVISION)
                .hasMessageContaining("009_future"));
        assertThat(Fixtures.jobs(client, ns)).isEmpty();
    }

    private DatabaseMigration awaitMigration(String ns, String name, java.util.function.Consumer<DatabaseMigration> assertion) {
        DatabaseMigration[] last = new DatabaseMigration[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            last[0] = client.resources(DatabaseMigration.class).inNamespace(ns).withName(name).get();
            assertion.accept(last[0]);
        });
        return last[0];
    }
}
