package io.webmacs.migration.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.testsupport.ClusterUnderTest;
import io.webmacs.migration.testsupport.EmbeddedPostgresServer;
import io.webmacs.migration.testsupport.Fixtures;
import io.webmacs.migration.testsupport.Manifests;
import io.webmacs.migration.testsupport.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A real control plane with a real {@link Node}, and the operator installed on it as the README says: it runs as the
 * pod of its own Deployment, in a container of the shipped image, with its own ServiceAccount's token, so the chart's
 * RBAC authorizes each of its calls. Its pod reaches the API server through the {@code kubernetes} Service, and the API
 * server reaches its webhook through the chart's Service; migration pods reach the tests' PostgreSQL at
 * {@link Node#HOST_ADDRESS}, over the node's pod network. The real tier's {@link ClusterUnderTest}.
 */
public final class OperatorCluster implements ClusterUnderTest, AutoCloseable {

    public static final String NAMESPACE = "webmacs-migration-operator";
    public static final String NAME = "webmacs-migration-operator";
    static final Path CHART = Path.of("helm", "webmacs-migration-operator");
    /** The example backend's Deployment, and its pods' app.kubernetes.io/name (deploy/examples/40-webmacs-backend.yaml). */
    public static final String BACKEND = "webmacs-backend";
    public static final String SERVICE_ACCOUNT = "system:serviceaccount:" + NAMESPACE + ":" + NAME;

    private final ControlPlane cluster;
    private final Node node;
    private final AtomicInteger namespaces = new AtomicInteger();

    private OperatorCluster(String name) {
        this.cluster = ControlPlane.start(name);
        try {
            this.node = Node.start(cluster);
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        EmbeddedPostgresServer.trust(Node.POD_NETWORK);
    }

    /** {@code kubectl create namespace webmacs-migration-operator} and {@code kubectl apply -f crds/ -f deploy/operator.yaml}. */
    public static OperatorCluster installedWithKubectl(String name) {
        return closedIfItFails(new OperatorCluster(name), operator -> {
            operator.applyManifests();
            operator.awaitRunning();
        });
    }

    /**
     * Installed with kubectl on a cordoned node; {@code beforeTheOperatorRuns} is called once the CRD is established,
     * while the operator's pod waits for the node, so what it creates is there before the operator has seen anything. Then
     * the operator's pod is bound to the node by hand, and the node stays cordoned: every other pod waits for the
     * scheduler until {@code node().uncordon()}.
     */
    public static OperatorCluster installedWithKubectl(String name, Consumer<OperatorCluster> beforeTheOperatorRuns) {
        return closedIfItFails(new OperatorCluster(name), operator -> {
            operator.node.cordon();
            operator.applyManifests();
            beforeTheOperatorRuns.accept(operator);
            await().atMost(Duration.ofMinutes(1)).until(() -> !operator.operatorPods().isEmpty());
            operator.operatorPods().forEach(operator.node::bind);
            operator.awaitRunning();
        });
    }

    private void applyManifests() {
        succeeds("create", "namespace", NAMESPACE);
        succeeds("apply", "-f", "crds/", "-f", "deploy/operator.yaml");
        cluster.awaitCrdEstablished();
    }

    /** {@code helm install webmacs-migration-operator helm/webmacs-migration-operator -n ... --create-namespace} with {@code values}. */
    public static OperatorCluster installedWithHelm(String name, Map<String, Object> values) {
        return closedIfItFails(new OperatorCluster(name), operator -> operator.helmInstall(new Helm(CHART).install(), values));
    }

    /** The control plane and the node, with nothing installed yet. */
    public static OperatorCluster started(String name) {
        return new OperatorCluster(name);
    }

    /**
     * {@code helm install webmacs-migration-operator oci://REGISTRY/... -n ... --create-namespace} of {@code chart}, a chart
     * in the registry {@code registry} ({@code address:port}), which serves plain HTTP; the node pulls the images from
     * there too.
     */
    public void installFromRegistry(String registry, String chart) {
        node.pullFromPlainHttp(registry);
        helmInstall(Helm.install("oci://" + chart).plainHttp(), Map.of());
    }

    private void helmInstall(InstallCommand install, Map<String, Object> values) {
        install.withName(NAME).withNamespace(NAMESPACE).createNamespace().withKubeConfig(cluster.adminKubeconfig());
        values.forEach(install::set);
        install.call();
        awaitRunning();
    }

    /**
     * {@code operator} once {@code install} has run on it; if that fails, the node and the control plane are stopped
     * first: a test class whose setup failed never gets the object to close, and the next class's node would find this
     * one's still running.
     */
    private static OperatorCluster closedIfItFails(OperatorCluster operator, Consumer<OperatorCluster> install) {
        try {
            install.accept(operator);
            return operator;
        } catch (RuntimeException | AssertionError e) {
            operator.close();
            throw e;
        }
    }

    public ControlPlane cluster() {
        return cluster;
    }

    public Node node() {
        return node;
    }

    @Override
    public KubernetesClient client() {
        return cluster.client();
    }

    @Override
    public String newNamespace() {
        return restrictedNamespace("restricted-" + namespaces.incrementAndGet());
    }

    @Override
    public TestDatabase newDatabase() {
        return EmbeddedPostgresServer.newDatabase().at(Node.HOST_ADDRESS);
    }

    /** Runs kubectl and insists that it succeeds. */
    public String succeeds(String... args) {
        ControlPlane.Result result = cluster.kubectl(args);
        assertThat(result.exitCode()).as("kubectl %s: %s", String.join(" ", args), result.output()).isZero();
        return result.output();
    }

    /**
     * Waits until the operator pods run and are ready, one replica holds the leader-election Lease, and the operator has
     * published its webhook's CA, so that the API server trusts the webhook.
     */
    public void awaitRunning() {
        await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            assertThat(operatorPods()).as("operator pods Running and Ready (their readiness probe answered)").isNotEmpty()
                    .allMatch(p -> "Running".equals(p.getStatus().getPhase()) && p.getStatus().getConditions().stream()
                            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
            assertThat(client().leases().inNamespace(NAMESPACE).withName(NAME).get()).isNotNull()
                    .extracting(l -> l.getSpec().getHolderIdentity()).isNotNull();
            List<MutatingWebhook> webhooks = client().admissionRegistration().v1().mutatingWebhookConfigurations().withName(NAME).get()
                    .getWebhooks();
            assertThat(webhooks).as("the operator published its CA").extracting(MutatingWebhook::getClientConfig)
                    .allMatch(c -> c.getCaBundle() != null);
            webhooks.forEach(webhook -> assertThat(routed(webhook.getClientConfig().getService()))
                    .as("kube-proxy routes the webhook's Service, as the API server will call it").isTrue());
        });
    }

    /**
     * Whether a connection to the Service's cluster IP gets through from this host, where the API server runs: kube-proxy
     * routes it a moment after the pods are ready, and until then a webhook call is refused, and with failurePolicy Ignore
     * the pod is admitted ungated.
     */
    private boolean routed(ServiceReference reference) {
        Service service = client().services().inNamespace(reference.getNamespace()).withName(reference.getName()).get();
        int port = reference.getPort() == null ? 443 : reference.getPort();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(service.getSpec().getClusterIP(), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The pod holding the leader-election Lease: its HOSTNAME, the pod's name, is the operator's identity. */
    public String leaderPod() {
        return client().leases().inNamespace(NAMESPACE).withName(NAME).get().getSpec().getHolderIdentity();
    }

    public List<Pod> operatorPods() {
        return client().pods().inNamespace(NAMESPACE).withLabel("app.kubernetes.io/name", NAME).list().getItems();
    }

    /** A namespace that enforces the restricted Pod Security Standard. */
    public String restrictedNamespace(String name) {
        client().resource(new NamespaceBuilder().withNewMetadata().withName(name)
                .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
        return name;
    }

    /**
     * deploy/examples/40-webmacs-backend.yaml for {@code namespace}, written to a file for kubectl apply, with a stand-in
     * for the WebMACS backend's image, which is not here: the pause image, which keeps running and serves nothing (so no
     * readiness probe).
     */
    public Path standInBackend(String namespace) {
        List<HasMetadata> objects = example("40-webmacs-backend.yaml", namespace);
        for (HasMetadata object : objects) {
            if (object instanceof Deployment backend) {
                Container container = backend.getSpec().getTemplate().getSpec().getContainers().get(0);
                container.setImage(Node.PAUSE_IMAGE);
                container.setImagePullPolicy("Never");
                container.setReadinessProbe(null);
            }
        }
        return manifest("webmacs-backend-" + namespace, objects);
    }

    /** The pods of the example backend's Deployment (deploy/examples/40-webmacs-backend.yaml) in {@code namespace}. */
    public List<Pod> backendPods(String namespace) {
        return client().pods().inNamespace(namespace).withLabel("app.kubernetes.io/name", BACKEND).list().getItems();
    }

    /** The objects of the example deploy/examples/{@code file}, in {@code namespace}. */
    public static List<HasMetadata> example(String file, String namespace) {
        List<HasMetadata> objects = Manifests.read(Path.of("deploy", "examples", file));
        objects.forEach(object -> object.getMetadata().setNamespace(namespace));
        return objects;
    }

    /** {@code objects} written to the file {@code name}.yaml in the cluster's work directory, for kubectl apply -f. */
    public Path manifest(String name, List<HasMetadata> objects) {
        try {
            return Files.writeString(cluster.workDir().resolve(name + ".yaml"), Manifests.yaml(objects));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public DatabaseMigration migration(String namespace, String name) {
        return client().resources(DatabaseMigration.class).inNamespace(namespace).withName(name).get();
    }

    /**
     * Waits until the DatabaseMigration {@code namespace/name} passes {@code assertion}, and kstatus reads the same object,
     * as the API server returned it, as its status says ({@link Kstatus#expectedOf}); returns what passed.
     */
    @Override
    public DatabaseMigration awaitMigration(String namespace, String name, Consumer<DatabaseMigration> assertion) {
        DatabaseMigration[] last = new DatabaseMigration[1];
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            GenericKubernetesResource object = client().genericKubernetesResources(ResourceDefinitionContext.fromResourceType(DatabaseMigration.class))
                    .inNamespace(namespace).withName(name).get();
            last[0] = client().getKubernetesSerialization().convertValue(object, DatabaseMigration.class);
            assertion.accept(last[0]);
            Kstatus.Verdict verdict = Kstatus.of(client().getKubernetesSerialization().asJson(object));
            assertThat(verdict.status()).as("kstatus of %s/%s (%s)", namespace, name, verdict.message()).isEqualTo(Kstatus.expectedOf(last[0]));
        });
        return last[0];
    }

    @Override
    public void approve(String namespace, String name, String hash) {
        succeeds("annotate", "-n", namespace, "dbm/" + name, "--overwrite", DatabaseMigration.APPROVED_PLAN + "=" + hash);
    }

    @Override
    public void delete(String namespace, String name) {
        succeeds("delete", "-n", namespace, "dbm/" + name);
        await().atMost(patience()).untilAsserted(() -> {
            assertThat(Fixtures.jobs(client(), namespace)).as("the garbage collector removed the Jobs").isEmpty();
            assertThat(client().pods().inNamespace(namespace).list().getItems()).as("and their pods").isEmpty();
        });
    }

    @Override
    public Duration patience() {
        return Duration.ofMinutes(1);
    }

    @Override
    public Duration quietPeriod() {
        return Duration.ofMinutes(1);
    }

    /** The operator's requests that the API server refused as Forbidden (by RBAC or an admission policy), from its audit log. */
    public List<AuditedRequest> refusedCalls() {
        return cluster.auditedRequests().stream().filter(r -> r.user().equals(SERVICE_ACCOUNT) && r.code() == 403).toList();
    }

    @Override
    public void close() {
        node.close();
        cluster.close();
    }
}
