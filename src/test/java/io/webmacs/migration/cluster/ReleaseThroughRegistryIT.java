package io.webmacs.migration.cluster;

import static io.webmacs.migration.testsupport.MigrationAssert.assertThatMigration;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.webmacs.migration.testsupport.Catalog;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.TestDatabase;
import io.webmacs.migration.testsupport.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release published to an OCI registry and installed from it, as a user would: {@code release/publish.sh} pushes the
 * image image/build.sh built to a registry on this machine ({@link LocalRegistry}), signs it with a cosign key made for
 * the test, attests its CycloneDX SBOM, and pushes the chart with the image pinned by digest, signed too. What it
 * published verifies with the public key and with no other; then Helm installs the chart from the registry on the real
 * API server, the node's containerd pulls the image from the registry by its digest, and the operator runs it. The
 * registry listens where the node's pods reach this machine, {@link Node#HOST_ADDRESS}, not on loopback: containerd
 * pulls from any {@code localhost} registry over plain HTTP by itself, and the node should need its {@code hosts.toml},
 * as it does for any registry without TLS.
 */
@RealCluster
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReleaseThroughRegistryIT {

    private static final String CLUSTER = "release";
    private static final String VERSION = Node.SHIPPED_IMAGE.substring(Node.SHIPPED_IMAGE.lastIndexOf(':') + 1);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;
    private static LocalRegistry registry;
    private static Release.SigningKey key;
    private static Release.Published published;
    private static OperatorCluster operator;

    @BeforeAll
    static void publish() {
        Tier.RELEASE.require(LocalRegistry.unavailable().or(Release::unavailable));
        operator = OperatorCluster.started(CLUSTER);
        registry = LocalRegistry.start(work.resolve("registry"), Node.HOST_ADDRESS);
        key = Release.SigningKey.generate(work.resolve("key"), "a release test's password");
        published = publishSucceeds("first");
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (operator != null) {
            operator.close();
        }
    }

    @Test
    @Order(1)
    void theRegistryServesTheImageByTheDigestPrintedAndTheVersionTagNamesIt() {
        assertThat(published.image()).startsWith(namespace() + "/webmacs-migration-operator@sha256:");
        assertThat(published.chart()).startsWith(namespace() + "/charts/webmacs-migration-operator@sha256:");
        // Pulled into a store of its own, so every layer comes from the registry.
        List<String> store = List.of("--root", work.resolve("pulled/root").toString(), "--runroot", work.resolve("pulled/run").toString());

        podman(store, "pull", "--quiet", "--tls-verify=false", published.image());

        assertThat(podman(store, "image", "inspect", "--format", "{{.Digest}}", published.image()).trim()).isEqualTo(published.imageDigest());
        assertThat(podman(store, "image", "inspect", "--format", "{{.Id}}", published.image()))
                .as("the image image/build.sh built").isEqualTo(podman(List.of(), "image", "inspect", "--format", "{{.Id}}", Node.SHIPPED_IMAGE));
        assertThat(cosignSucceeds("triangulate", "--type", "digest", "--allow-http-registry", versionTag()).trim())
                .isEqualTo(published.image());
    }

    @Test
    @Order(2)
    void theImageItsSbomAndTheChartVerifyWithThePublicKey() throws IOException {
        JsonNode signed = JSON.readTree(verify(key, published.image()));
        assertThat(signed).singleElement().satisfies(signature -> assertThat(signature.at("/critical/image/docker-manifest-digest").asText())
                .isEqualTo(published.imageDigest()));
        assertThat(JSON.readTree(verify(key, published.chart())).at("/0/critical/image/docker-manifest-digest").asText())
                .isEqualTo(published.chart().substring(published.chart().indexOf('@') + 1));

        JsonNode statement = JSON.readTree(Base64.getDecoder().decode(JSON.readTree(cosignSucceeds("verify-attestation", "--key",
                key.publicKey().toString(), "--type", "cyclonedx", "--insecure-ignore-tlog", "--allow-http-registry",
                published.image()).lines().filter(line -> line.startsWith("{")).findFirst().orElseThrow()).get("payload").asText()));
        assertThat(statement.get("predicateType").asText()).isEqualTo("https://cyclonedx.org/bom");
        assertThat(statement.at("/subject/0/digest/sha256").asText()).isEqualTo(published.imageDigest().substring("sha256:".length()));
        JsonNode sbom = statement.get("predicate");
        assertThat(sbom.at("/metadata/component/name").asText()).isEqualTo("ghcr.io/webmacs/webmacs-migration-operator");
        assertThat(sbom.get("components")).as("the image's libraries").anySatisfy(component -> {
            assertThat(component.get("name").asText()).isEqualTo("liquibase-core");
            assertThat(component.get("version").asText()).isEqualTo("4.33.0");
        });
    }

    @Test
    @Order(3)
    void anotherKeyVerifiesNothingOfIt() {
        Release.SigningKey another = Release.SigningKey.generate(work.resolve("another-key"), "another password");

        for (String artifact : List.of(published.image(), published.chart())) {
            ControlPlane.Result verified = Release.cosign("verify", "--key", another.publicKey().toString(), "--insecure-ignore-tlog",
                    "--allow-http-registry", artifact);
            assertThat(verified.exitCode()).as(verified.output()).isNotZero();
            assertThat(verified.output()).contains("no matching signatures");
        }
        ControlPlane.Result attested = Release.cosign("verify-attestation", "--key", another.publicKey().toString(), "--type", "cyclonedx",
                "--insecure-ignore-tlog", "--allow-http-registry", published.image());
        assertThat(attested.exitCode()).as(attested.output()).isNotZero();
        assertThat(attested.output()).contains("no matching attestations");
    }

    @Test
    @Order(4)
    void publishingTheSameImageAgainPublishesNothingNew() {
        assertThat(publishSucceeds("again")).isEqualTo(published);

        assertThat(cosignSucceeds("download", "signature", "--allow-http-registry", published.image()).lines()).as("signatures").hasSize(1);
        assertThat(cosignSucceeds("download", "attestation", "--allow-http-registry", published.image()).lines()).as("attestations").hasSize(1);
        assertThat(cosignSucceeds("download", "signature", "--allow-http-registry", published.chart()).lines()).as("chart signatures").hasSize(1);
    }

    @Test
    @Order(5)
    void publishRefusesWhatItCannotPublishSayingWhy() throws IOException {
        assertThat(publishFails(List.of(registry.host() + "/webmacs"), key.environment()))
                .as("exit code 2").startsWith("2:").contains("usage: release/publish.sh");
        assertThat(publishFails(List.of("--plain-http", registry.host() + "/webmacs", "9.9.9"), key.environment()))
                .contains("error: podman does not hold ghcr.io/webmacs/webmacs-migration-operator:9.9.9: build it with image/build.sh 9.9.9");
        assertThat(publishFails(List.of("--plain-http", registry.host() + "/webmacs", VERSION), Map.of("COSIGN_PASSWORD", "")))
                .contains("error: COSIGN_KEY must hold the signing key");
        String nothingListens = "localhost:" + ControlPlane.freePort();
        assertThat(publishFails(List.of("--plain-http", "--no-tlog", nothingListens + "/webmacs", VERSION), key.environment()))
                .contains("error: could not push to " + nothingListens + "/webmacs: is it reachable");
    }

    @Test
    @Order(6)
    void theChartFromTheRegistryRunsThePublishedImageOnTheNode() {
        operator.installFromRegistry(registry.host(), published.chart());

        assertThat(operator.operatorPods()).singleElement().satisfies(pod -> {
            assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo(published.image());
            assertThat(pod.getStatus().getContainerStatuses()).extracting(ContainerStatus::getImageID).containsExactly(published.image());
        });
        assertThat(registry.requests()).as("containerd fetched the image's manifest from the registry")
                .anyMatch(request -> request.contains("/manifests/" + published.imageDigest()) && request.contains("containerd/"));

        // The migration Job runs the same image, from the same registry.
        TestDatabase db = operator.newDatabase();
        String ns = operator.newNamespace();
        Fixtures.databaseSecret(operator.client(), ns, "webmacs-db", db);
        operator.client().resource(Fixtures.migration(ns, "webmacs", "webmacs-db", "head")).create();
        operator.awaitMigration(ns, "webmacs", m -> assertThatMigration(m).isReady().hasRevision("005_oidc_sso"));
        assertThat(Fixtures.jobs(operator.client(), ns)).singleElement()
                .satisfies(job -> assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo(published.image()));
        assertThat(Catalog.of(db)).containsExactlyElementsOf(Catalog.reference("005"));
    }

    /** A tag can be moved by whoever may push; a digest cannot, and the chart pins the digest. */
    @Test
    @Order(7)
    void anImagePushedOverTheVersionTagIsRefusedWhileThePublishedDigestStillVerifies() {
        podman(List.of(), "push", "--quiet", "--tls-verify=false", Node.PAUSE_IMAGE, versionTag());

        ControlPlane.Result moved = Release.cosign("verify", "--key", key.publicKey().toString(), "--insecure-ignore-tlog",
                "--allow-http-registry", versionTag());
        assertThat(moved.exitCode()).as(moved.output()).isNotZero();
        assertThat(moved.output()).contains("no signatures found");
        verify(key, published.image());
    }

    private static Release.Published publishSucceeds(String run) {
        Path errors = work.resolve("publish-" + run + ".log");
        ControlPlane.Result result = Release.publish(List.of("--plain-http", "--no-tlog", namespace(), VERSION), key.environment(), errors);
        assertThat(result.exitCode()).as("release/publish.sh: %s", read(errors)).isZero();
        return Release.Published.of(result.output());
    }

    /** How publish.sh exited, and what it said: "CODE: STDERR". */
    private static String publishFails(List<String> args, Map<String, String> environment) throws IOException {
        Path errors = Files.createTempFile(work, "publish-fails", ".log");
        ControlPlane.Result result = Release.publish(args, environment, errors);
        assertThat(result.exitCode()).as("release/publish.sh %s", args).isNotZero();
        return result.exitCode() + ": " + read(errors);
    }

    /** cosign verify with {@code key}'s public key: its JSON output. */
    private static String verify(Release.SigningKey key, String artifact) {
        return cosignSucceeds("verify", "--key", key.publicKey().toString(), "--insecure-ignore-tlog", "--allow-http-registry",
                "--output", "json", artifact).lines().filter(line -> line.startsWith("[")).findFirst().orElseThrow();
    }

    private static String cosignSucceeds(String... args) {
        ControlPlane.Result result = Release.cosign(args);
        assertThat(result.exitCode()).as("cosign %s: %s", String.join(" ", args), result.output()).isZero();
        return result.output();
    }

    private static String podman(List<String> store, String... args) {
        List<String> command = new ArrayList<>(store);
        command.addAll(List.of(args));
        ControlPlane.Result result = ControlPlane.Result.of(Podman.command(command).redirectErrorStream(true));
        assertThat(result.exitCode()).as("podman %s: %s", String.join(" ", command), result.output()).isZero();
        return result.output();
    }

    /** Where the release is published: REGISTRY/webmacs, as ghcr.io/webmacs would be. */
    private static String namespace() {
        return registry.host() + "/webmacs";
    }

    private static String versionTag() {
        return namespace() + "/webmacs-migration-operator:" + VERSION;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}
