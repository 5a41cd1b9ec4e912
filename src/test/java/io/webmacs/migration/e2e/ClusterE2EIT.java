package io.webmacs.migration.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.webmacs.migration.api.DatabaseMigration;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The whole product on a real cluster: the image Jib built (-Pe2e) loaded into k3s, the chart installed, the
 * examples applied, and {@code kubectl wait --for=condition=Ready dbm/webmacs}. Needs Docker; without it JUnit
 * reports the test skipped ("Docker is not available"). It has never run on the machine this project is built on.
 */
@Testcontainers(disabledWithoutDocker = true)
class ClusterE2EIT {

    private static final String TAG = "0.1.0-SNAPSHOT";
    private static final String IMAGE = "ghcr.io/webmacs/webmacs-migration-operator:" + TAG;

    @Container
    private static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.31.4-k3s1"));

    @Test
    void chartAndExamplesGiveAReadyDatabaseMigrationAtHead() throws Exception {
        K3S.copyFileToContainer(MountableFile.forHostPath(imageTar()), "/tmp/operator-image.tar");
        K3S.execInContainer("ctr", "-n", "k8s.io", "images", "import", "/tmp/operator-image.tar");
        new Helm(Path.of("helm", "webmacs-migration-operator")).install().withName("webmacs-migration-operator")
                .withNamespace("webmacs-migration-operator").createNamespace()
                .withKubeConfigContents(K3S.getKubeConfigYaml())
                .set("image.tag", TAG).set("image.pullPolicy", "Never").waitReady().call();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build()) {
            // The backend example needs a real WebMACS image, which this test does not have.
            for (String example : List.of("00-namespace.yaml", "10-postgres.yaml", "20-webmacs-db-secret.yaml", "30-databasemigration.yaml")) {
                try (InputStream in = new FileInputStream(Path.of("deploy", "examples", example).toFile())) {
                    client.load(in).serverSideApply();
                }
            }
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                DatabaseMigration m = client.resources(DatabaseMigration.class).inNamespace("webmacs-demo").withName("webmacs").get();
                assertThat(m.getStatus().getRevision()).isEqualTo("005_oidc_sso");
                assertThat(m.getStatus().getConditions()).anySatisfy(c -> {
                    assertThat(c.getType()).isEqualTo("Ready");
                    assertThat(c.getStatus()).isEqualTo("True");
                });
            });
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
