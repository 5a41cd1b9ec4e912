package io.webmacs.migration.testsupport;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.webmacs.migration.api.DatabaseMigration;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The mock tier's cluster: the fabric8 mock API server of a {@code @QuarkusTest}, the operator in the test's JVM, and
 * {@link JobExecutor} running each Job the operator creates through webmacs-migrate against the embedded PostgreSQL,
 * serving what it printed through pods/log.
 */
public final class MockCluster implements ClusterUnderTest {

    private final KubernetesClient client;

    public MockCluster(KubernetesClient client, KubernetesServer server) {
        this.client = client;
        JobExecutor.running(client).servePodLogs(server);
    }

    @Override
    public KubernetesClient client() {
        return client;
    }

    @Override
    public String newNamespace() {
        return Fixtures.newNamespace(client);
    }

    @Override
    public TestDatabase newDatabase() {
        return EmbeddedPostgresServer.newDatabase();
    }

    @Override
    public DatabaseMigration awaitMigration(String namespace, String name, Consumer<DatabaseMigration> assertion) {
        return Migrations.awaitMigration(client, namespace, name, assertion);
    }

    @Override
    public void approve(String namespace, String name, String hash) {
        Migrations.approve(client, namespace, name, hash);
    }

    @Override
    public void delete(String namespace, String name) {
        client.resources(DatabaseMigration.class).inNamespace(namespace).withName(name).delete();
        await().atMost(patience()).until(() -> client.resources(DatabaseMigration.class).inNamespace(namespace).withName(name).get() == null);
    }

    @Override
    public Duration patience() {
        return Duration.ofSeconds(30);
    }

    @Override
    public Duration quietPeriod() {
        return Duration.ofSeconds(5);
    }
}
