package io.webmacs.migration.reconciler;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.JobExecutor;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * 50 DatabaseMigrations over 10 namespaces, each migrating its own database, all become Ready with one Job each.
 * Also records how quickly the operator reacts; the figures go to target/operator-scale.txt (not asserted: a unit
 * test is no benchmark).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class ScaleReconcileTest {

    private static final int NAMESPACES = 10;
    private static final int PER_NAMESPACE = 5;

    @Inject
    KubernetesClient client;

    @Test
    void fiftyResourcesOverTenNamespacesAllBecomeReady() throws IOException {
        JobExecutor executor = JobExecutor.running(client);
        Map<String, Instant> readyAt = new ConcurrentHashMap<>();
        SharedIndexInformer<DatabaseMigration> watch = client.resources(DatabaseMigration.class).inAnyNamespace()
                .inform(new ResourceEventHandler<>() {
                    public void onAdd(DatabaseMigration m) {
                        onUpdate(null, m);
                    }

                    public void onUpdate(DatabaseMigration before, DatabaseMigration m) {
                        if (m.getStatus() != null && m.getStatus().getConditions().stream()
                                .anyMatch(c -> Conditions.READY.equals(c.getType()) && "True".equals(c.getStatus()))) {
                            readyAt.putIfAbsent(key(m), Instant.now());
                        }
                    }

                    public void onDelete(DatabaseMigration m, boolean unknown) {
                    }
                });
        Map<String, Instant> appliedAt = new ConcurrentHashMap<>();
        List<String> namespaces = new ArrayList<>();
        for (int n = 0; n < NAMESPACES; n++) {
            String ns = Fixtures.newNamespace(client);
            namespaces.add(ns);
            for (int i = 0; i < PER_NAMESPACE; i++) {
                String name = "webmacs-" + i;
                Fixtures.databaseSecret(client, ns, name + "-db", EmbeddedPostgresServer.newDatabase());
                client.resource(Fixtures.migration(ns, name, name + "-db", "head")).create();
                appliedAt.put(ns + "/" + name, Instant.now());
            }
        }

        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> assertThat(readyAt).hasSize(50));
        watch.close();

        List<Long> toJob = new ArrayList<>();
        List<Long> toReady = new ArrayList<>();
        for (String ns : namespaces) {
            for (DatabaseMigration m : client.resources(DatabaseMigration.class).inNamespace(ns).list().getItems()) {
                assertThatMigration(m).isReady().hasRevision("005_oidc_sso");
                String job = m.getStatus().getLastRun().getJob();
                assertThat(Fixtures.jobs(client, ns).stream().filter(j -> j.getMetadata().getLabels()
                        .get(Labels.MIGRATION).equals(m.getMetadata().getName()))).hasSize(1);
                toJob.add(Duration.between(appliedAt.get(key(m)), executor.createdAt(ns, job)).toMillis());
                toReady.add(Duration.between(executor.finishedAt(ns, job), readyAt.get(key(m))).toMillis());
            }
        }
        System.gc();
        long heapMiB = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / (1024 * 1024);
        String report = String.format("50 DatabaseMigrations over 10 namespaces%n"
                + "median applied -> Job created: %d ms (max %d)%nmedian Job finished -> Ready=True: %d ms (max %d)%n"
                + "test JVM heap after GC (operator + mock API server + Job executor): %d MiB%n",
                median(toJob), max(toJob), median(toReady), max(toReady), heapMiB);
        System.out.print(report);
        Files.writeString(Path.of("target", "operator-scale.txt"), report);
    }

    private static String key(DatabaseMigration m) {
        return m.getMetadata().getNamespace() + "/" + m.getMetadata().getName();
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static long max(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).max().orElse(0);
    }
}
