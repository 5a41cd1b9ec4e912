package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.webmacs.migration.scenario.OperatorScenarios;
import io.webmacs.migration.testsupport.ClusterUnderTest;
import io.webmacs.migration.testsupport.MockCluster;
import jakarta.inject.Inject;

/** The operator's scenarios on the mock tier: the fabric8 mock API server, the operator in this JVM, Jobs run by JobExecutor. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OperatorScenariosReconcileTest extends OperatorScenarios {

    @Inject
    KubernetesClient client;

    @KubernetesTestServer
    KubernetesServer server;

    @Override
    protected ClusterUnderTest clusterUnderTest() {
        return new MockCluster(client, server);
    }
}
