package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.webmacs.migration.api.DatabaseMigration;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The cluster an operator scenario runs on, with the operator running: the fabric8 mock API server with the operator in
 * the test's JVM and {@link JobExecutor} running its Jobs ({@link MockCluster}), or a real control plane and node with
 * the operator installed in a pod ({@code cluster/OperatorCluster}). What differs between the two is here; everything
 * else a scenario does through {@link #client()}, as an administrator with kubectl would.
 */
public interface ClusterUnderTest {

    /** A client with every right, as the tests' administrator. */
    KubernetesClient client();

    /** A new namespace for one scenario (on a real cluster, one enforcing the restricted Pod Security Standard). */
    String newNamespace();

    /** A new empty database of the tests' PostgreSQL, addressed as the migration's pods reach it. */
    TestDatabase newDatabase();

    /**
     * The DatabaseMigration {@code namespace/name} once {@code assertion} holds for it; on a real cluster, kstatus must
     * also read its conditions as they are (Ready is Current, Stalled is Failed, anything else InProgress).
     */
    DatabaseMigration awaitMigration(String namespace, String name, Consumer<DatabaseMigration> assertion);

    /** Approves the plan {@code hash} as a reviewer does: {@code kubectl annotate --overwrite ... approved-plan=HASH}. */
    void approve(String namespace, String name, String hash);

    /**
     * Deletes the DatabaseMigration and waits until the cluster is done with it: on a real cluster, until the garbage
     * collector has also removed its Jobs and their pods (the mock API server has no garbage collector).
     */
    void delete(String namespace, String name);

    /** How long the cluster takes at most to do what the operator asked: a Job run, an Event or a ConfigMap written. */
    Duration patience();

    /** How long a scenario watches for writes that must not come: on a real cluster long enough for watches to resync. */
    Duration quietPeriod();
}
