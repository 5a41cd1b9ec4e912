package io.webmacs.migration.gate;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.webmacs.migration.api.DatabaseMigration;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A new pod is judged by its DatabaseMigration as the API server has it at that instant, not as the operator's cache
 * last saw it: applied in the same instant as a new generation (a new target, say), the pod is gated for it.
 */
@EnableKubernetesMockClient(crud = true)
class CurrentMigrationsTest {

    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void aPodCreatedInTheInstantOfANewGenerationIsGatedThoughTheCacheStillShowsTheOldOneReady() throws Exception {
        DatabaseMigration readyInTheCache = PodAdmissionTest.gatedDeployment(true);
        DatabaseMigration newGeneration = PodAdmissionTest.gatedDeployment(true);
        newGeneration.getMetadata().setGeneration(3L); // its spec changed; the operator has not observed it yet
        client.resource(newGeneration).inNamespace("lab").create();
        CurrentMigrations migrations = new CurrentMigrations(client, ns -> List.of(readyInTheCache));

        PodAdmission.Migrations judged = migrations.apply("lab");

        assertThat(judged.current()).isTrue();
        assertThat(judged.all()).singleElement().satisfies(m -> assertThat(m.getMetadata().getGeneration()).isNotEqualTo(2L));
        assertThat(PodAdmission.review(PodAdmissionTest.fixture("backend-pod.json"), migrations, m -> null,
                PodAdmissionTest.WEBMACS_REVISIONS).getResponse().getPatch())
                .as("gated").isNotNull();
    }

    @Test
    void anApiServerThatCannotBeReadLeavesTheCacheWithNothingTakenAsReady() throws Exception {
        KubernetesClient unreachable = CurrentMigrations.within(new KubernetesClientBuilder().withConfig(new ConfigBuilder()
                .withMasterUrl("https://127.0.0.1:1").build()).build(), Duration.ofMillis(500));
        CurrentMigrations migrations = new CurrentMigrations(unreachable, ns -> List.of(PodAdmissionTest.gatedDeployment(true)));

        PodAdmission.Migrations judged = migrations.apply("lab");

        assertThat(judged.current()).isFalse();
        assertThat(PodAdmission.review(PodAdmissionTest.fixture("backend-pod.json"), migrations, m -> null,
                PodAdmissionTest.WEBMACS_REVISIONS).getResponse().getPatch())
                .as("gated").isNotNull();
    }
}
