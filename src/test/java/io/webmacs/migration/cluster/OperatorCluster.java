package io.webmacs.migration.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.webmacs.migration.api.DatabaseMigration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A real control plane with the fake kubelet, and the operator installed on it as the README says; the operator runs as
 * the pod of its own Deployment, with its own ServiceAccount's token, so the chart's RBAC authorizes each of its calls.
 */
public final class OperatorCluster implements AutoCloseable {

    public static final String NAMESPACE = "webmacs-migration-operator";
    public static final String NAME = "webmacs-migration-operator";
    static final Path CHART = Path.of("helm", "webmacs-migration-operator");
    public static final String SERVICE_ACCOUNT = "system:serviceaccount:" + NAMESPACE + ":" + NAME;

    private final ControlPlane cluster;
    private final FakeKubelet kubelet;

    private OperatorCluster(ControlPlane cluster, MigrateContainer migrate) {
        this.cluster = cluster;
        this.kubelet = FakeKubelet.start(cluster, migrate);
    }

    /** {@code kubectl create namespace webmacs-migration-operator} and {@code kubectl apply -f crds/ -f deploy/operator.yaml}. */
    public static OperatorCluster installedWithKubectl(String name) {
        return installedWithKubectl(name, FakeKubelet.shippedImageOrJar(), operator -> { });
    }

    /**
     * Installed with kubectl; {@code beforeTheOperatorRuns} is called once the CRD is established, while the node
     * still holds the operator's pod, so what it creates is there before the operator has seen anything.
     */
    public static OperatorCluster installedWithKubectl(String name, Consumer<OperatorCluster> beforeTheOperatorRuns) {
        return installedWithKubectl(name, FakeKubelet.shippedImageOrJar(), beforeTheOperatorRuns);
    }

    /** Installed with kubectl; the fake kubelet runs migrate containers with {@code migrate}. */
    public static OperatorCluster installedWithKubectl(String name, MigrateContainer migrate) {
        return installedWithKubectl(name, migrate, operator -> { });
    }

    private static OperatorCluster installedWithKubectl(String name, MigrateContainer migrate,
            Consumer<OperatorCluster> beforeTheOperatorRuns) {
        OperatorCluster operator = new OperatorCluster(ControlPlane.start(name), migrate);
        operator.kubelet.hold(NAMESPACE);
        operator.succeeds("create", "namespace", NAMESPACE);
        operator.succeeds("apply", "-f", "crds/", "-f", "deploy/operator.yaml");
        operator.succeeds("wait", "--for=condition=Established", "crd/" + DatabaseMigration.PLURAL + "." + DatabaseMigration.GROUP);
        beforeTheOperatorRuns.accept(operator);
        operator.kubelet.release(NAMESPACE);
        operator.awaitRunning();
        return operator;
    }

    /** {@code helm install webmacs-migration-operator helm/webmacs-migration-operator -n ... --create-namespace} with {@code values}. */
    public static OperatorCluster installedWithHelm(String name, Map<String, Object> values) {
        OperatorCluster operator = new OperatorCluster(ControlPlane.start(name), FakeKubelet.shippedImageOrJar());
        InstallCommand install = new Helm(CHART).install().withName(NAME).withNamespace(NAMESPACE).createNamespace()
                .withKubeConfig(operator.cluster.adminKubeconfig());
        values.forEach(install::set);
        install.call();
        operator.awaitRunning();
        return operator;
    }

    public ControlPlane cluster() {
        return cluster;
    }

    public KubernetesClient client() {
        return cluster.client();
    }

    public FakeKubelet kubelet() {
        return kubelet;
    }

    /** Runs kubectl and insists that it succeeds. */
    public String succeeds(String... args) {
        ControlPlane.Result result = cluster.kubectl(args);
        assertThat(result.exitCode()).as("kubectl %s: %s", String.join(" ", args), result.output()).isZero();
        return result.output();
    }

    /** Waits until the operator pods run and are ready, and one replica holds the leader-election Lease. */
    public void awaitRunning() {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            assertThat(operatorPods()).as("operator pods Running and Ready (their readiness probe answered)").isNotEmpty()
                    .allMatch(p -> "Running".equals(p.getStatus().getPhase()) && p.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
            assertThat(client().leases().inNamespace(NAMESPACE).withName(NAME).get()).isNotNull()
                    .extracting(l -> l.getSpec().getHolderIdentity()).isNotNull();
        });
    }

    /** The pod holding the leader-election Lease: its HOSTNAME, the pod's name, is the operator's identity. */
    public String leaderPod() {
        return client().leases().inNamespace(NAMESPACE).withName(NAME).get().getSpec().getHolderIdentity();
    }

    public List<Pod> operatorPods() {
        return client().pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/name", NAME).list().getItems();
    }

    /**
     * Points the chart's MutatingWebhookConfiguration at the first operator pod's webhook port on loopback: the API
     * server cannot reach a Service here (no kube-proxy). The caBundle stays the operator's to keep.
     */
    public void routeWebhookToOperator() {
        Pod pod = operatorPods().get(0);
        int port = kubelet.hostPort(NAMESPACE, pod.getMetadata().getName(), "webhook");
        client().admissionRegistration().v1().mutatingWebhookConfigurations().withName(NAME).edit(configuration -> {
            for (MutatingWebhook webhook : configuration.getWebhooks()) {
                String caBundle = webhook.getClientConfig().getCaBundle();
                webhook.setClientConfig(new WebhookClientConfigBuilder().withUrl("https://localhost:" + port + "/admission/pods")
                        .withCaBundle(caBundle).build());
            }
            return configuration;
        });
        await().atMost(Duration.ofMinutes(1)).untilAsserted(() -> assertThat(client().admissionRegistration().v1()
                .mutatingWebhookConfigurations().withName(NAME).get().getWebhooks().get(0).getClientConfig().getCaBundle())
                .as("the operator published its CA").isNotBlank());
    }

    /** A namespace that enforces the restricted Pod Security Standard. */
    public String restrictedNamespace(String name) {
        client().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
        return name;
    }

    public DatabaseMigration migration(String namespace, String name) {
        return client().resources(DatabaseMigration.class).inNamespace(namespace).withName(name).get();
    }

    /**
     * Waits until the DatabaseMigration {@code namespace/name} passes {@code assertion}, and kstatus computes
     * {@code kstatus} for the same object as the API server returned it; returns what passed.
     */
    public DatabaseMigration awaitMigration(String namespace, String name, Kstatus.Status kstatus, Consumer<DatabaseMigration> assertion) {
        DatabaseMigration[] last = new DatabaseMigration[1];
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            GenericKubernetesResource object = client().genericKubernetesResources(ResourceDefinitionContext.fromResourceType(DatabaseMigration.class))
                    .inNamespace(namespace).withName(name).get();
            last[0] = client().getKubernetesSerialization().convertValue(object, DatabaseMigration.class);
            assertion.accept(last[0]);
            Kstatus.Verdict verdict = Kstatus.of(client().getKubernetesSerialization().asJson(object));
            assertThat(verdict.status()).as("kstatus of %s/%s (%s)", namespace, name, verdict.message()).isEqualTo(kstatus);
        });
        return last[0];
    }

    /** Lines of the operator's logs where the API server refused it something. */
    public List<String> refusedCalls() {
        try (Stream<Path> logs = Files.list(cluster.workDir().resolve("pods"))) {
            return logs.filter(log -> log.getFileName().toString().startsWith(NAMESPACE + "_")).flatMap(OperatorCluster::lines)
                    .filter(line -> line.contains("Forbidden") || line.contains("forbidden") || line.contains(" 403"))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        kubelet.close();
        cluster.close();
    }
}
