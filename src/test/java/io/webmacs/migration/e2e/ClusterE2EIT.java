package io.webmacs.migration.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.webmacs.migration.api.DatabaseMigration;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The whole product on a real cluster: the image Jib built (-Pe2e) loaded into k3s, the chart installed, the
 * examples applied. The backend's pods are created while the database is still missing, wait as SchedulingGated,
 * and start only after the DatabaseMigration is Ready. Needs Docker; without it JUnit reports the test skipped
 * ("Docker is not available"). It has never run on the machine this project is built on.
 */
@Testcontainers(disabledWithoutDocker = true)
class ClusterE2EIT {

    private static final String TAG = "0.1.0-SNAPSHOT";
    private static final String IMAGE = "ghcr.io/webmacs/webmacs-migration-operator:" + TAG;
    private static final String RELEASE = "webmacs-migration-operator";
    private static final String DEMO = "webmacs-demo";
    /** Stands in for the WebMACS backend image, which this test does not have: it only has to start. */
    private static final String BACKEND_STAND_IN = "registry.k8s.io/pause:3.10";

    @Container
    private static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

    @Test
    void backendPodsWaitForTheMigrationAndStartOnceItIsReady() throws Exception {
        K3S.copyFileToContainer(MountableFile.forHostPath(imageTar()), "/tmp/operator-image.tar");
        K3S.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/operator-image.tar");
        new Helm(Path.of("helm", "webmacs-migration-operator")).install().withName(RELEASE).withNamespace(RELEASE).createNamespace()
                .withKubeConfigContents(K3S.getKubeConfigYaml())
                .set("image.tag", TAG).set("image.pullPolicy", "Never").waitReady().call();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build()) {
            await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(client.admissionRegistration().v1()
                    .mutatingWebhookConfigurations().withName(RELEASE).get().getWebhooks().get(0).getClientConfig().getCaBundle())
                    .as("the operator published its CA").isNotBlank());

            // Everything but the database: the migration cannot finish, so the backend's new pod must wait.
            for (String example : List.of("00-namespace.yaml", "20-webmacs-db-secret.yaml", "30-databasemigration.yaml")) {
                apply(client, example);
            }
            for (HasMetadata resource : load(client, "40-webmacs-backend.yaml")) {
                if (resource instanceof Deployment backend) {
                    backend.getSpec().getTemplate().getSpec().getContainers().forEach(c -> {
                        c.setImage(BACKEND_STAND_IN);
                        c.setReadinessProbe(null);
                    });
                }
                client.resource(resource).serverSideApply();
            }
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> assertThat(scheduled(backendPod(client)).getReason())
                    .isEqualTo("SchedulingGated"));
            Thread.sleep(Duration.ofSeconds(20).toMillis());
            Pod waiting = backendPod(client);
            assertThat(waiting.getSpec().getSchedulingGates()).extracting(g -> g.getName()).containsExactly("migrations.webmacs.io/webmacs");
            assertThat(waiting.getSpec().getNodeName()).as("still not scheduled").isNull();

            apply(client, "10-postgres.yaml");
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                DatabaseMigration m = client.resources(DatabaseMigration.class).inNamespace(DEMO).withName("webmacs").get();
                assertThat(m.getStatus().getRevision()).isEqualTo("005_oidc_sso");
                assertThat(ready(m).getStatus()).isEqualTo("True");
            });
            Instant ready = Instant.parse(ready(client.resources(DatabaseMigration.class).inNamespace(DEMO).withName("webmacs").get())
                    .getLastTransitionTime());
            await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
                Pod started = backendPod(client);
                assertThat(started.getMetadata().getName()).isEqualTo(waiting.getMetadata().getName());
                assertThat(started.getSpec().getSchedulingGates()).isEmpty();
                assertThat(scheduled(started).getStatus()).isEqualTo("True");
                assertThat(Instant.parse(scheduled(started).getLastTransitionTime())).isAfterOrEqualTo(ready);
            });
        }
    }

    private static Pod backendPod(KubernetesClient client) {
        return client.pods().inNamespace(DEMO).withLabel("app.kubernetes.io/name", "webmacs-backend").list().getItems().stream()
                .findFirst().orElseThrow(() -> new AssertionError("no backend pod yet"));
    }

    private static PodCondition scheduled(Pod pod) {
        return pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType())).findFirst()
                .orElseThrow(() -> new AssertionError("no PodScheduled condition yet"));
    }

    private static Condition ready(DatabaseMigration migration) {
        return migration.getStatus().condition("Ready").orElseThrow(() -> new AssertionError("no Ready condition yet"));
    }

    private static void apply(KubernetesClient client, String example) throws Exception {
        load(client, example).forEach(resource -> client.resource(resource).serverSideApply());
    }

    private static List<HasMetadata> load(KubernetesClient client, String example) throws Exception {
        try (InputStream in = new FileInputStream(Path.of("deploy", "examples", example).toFile())) {
            return client.load(in).items();
        }
    }

    /** The image Jib built into the local Docker daemon, saved as a tar for k3s's containerd. */
    private static Path imageTar() throws Exception {
        Path tar = Files.createTempFile("operator-image", ".tar");
        Process save = new ProcessBuilder("docker", "save", "-o", tar.toString(), IMAGE).inheritIO().start();
        if (save.waitFor() != 0) {
            throw new IllegalStateException("docker save " + IMAGE + " failed: build the image with ./mvnw -B verify -Pe2e");
        }
        return tar;
    }
}
