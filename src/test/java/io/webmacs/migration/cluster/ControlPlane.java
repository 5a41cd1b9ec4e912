package io.webmacs.migration.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.binary.BinaryManager;
import io.fabric8.kubeapitest.process.EtcdProcess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionStatus;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.cluster.Certificates.Identity;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Kubernetes control plane on this machine: etcd (started through fabric8 kube-api-test), kube-apiserver (RBAC and
 * the Node authorizer, the default admission plugins with PodSecurity, ServiceAccount and NodeRestriction, and an audit
 * log), kube-controller-manager with the controllers the operator and a node depend on, and kube-scheduler. The binaries
 * are the ones {@code test/kube/build.sh} builds from the Kubernetes Go modules. kube-api-test starts an API server of its
 * own with the ServiceAccount admission plugin off, so pods would get no token: the API server is started here. A
 * {@link Node} runs the pods.
 */
public final class ControlPlane implements AutoCloseable {

    /** The Kubernetes version test/kube/go.mod builds, e.g. {@code 1.34.4}. */
    public static final String VERSION = kubernetesVersion();
    public static final String BUILD_COMMAND = "test/kube/build.sh";
    static final List<String> BINARIES = List.of("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kubelet",
            "kube-proxy", "etcd");
    /** The ClusterIPs of Services; the first is the {@code kubernetes} Service's, which pods' in-cluster clients dial. */
    static final String SERVICE_RANGE = "10.0.0.0/24";
    static final String KUBERNETES_SERVICE_IP = "10.0.0.1";
    private static final String CONTROLLERS = String.join(",", "job-controller", "garbage-collector-controller",
            "namespace-controller", "serviceaccount-controller", "serviceaccount-token-controller", "deployment-controller",
            "replicaset-controller", "ttl-after-finished-controller", "node-lifecycle-controller", "endpointslice-controller",
            "root-ca-certificate-publisher-controller");
    /** Every request of a service account, at the Metadata level: who asked what, and what the API server answered. */
    private static final String AUDIT_POLICY = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: [RequestReceived]
            rules:
              - level: Metadata
                userGroups: ["system:serviceaccounts"]
              - level: None
            """;
    private static final String CRD = HasMetadata.getFullResourceName(DatabaseMigration.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);

    private final Path workDir;
    private final Certificates certificates = Certificates.get();
    private final BinaryManager binaryManager;
    private final int port = freePort();
    private final Thread closer = new Thread(this::close, "control-plane-shutdown");
    private boolean closed;
    private EtcdProcess etcd;
    private int etcdPort;
    private Daemon apiServer;
    private Daemon controllerManager;
    private Daemon scheduler;
    private Path adminKubeconfig;
    private KubernetesClient client;

    private ControlPlane(Path workDir) {
        this.workDir = workDir;
        KubeAPIServerConfig config = KubeAPIServerConfigBuilder.anAPIServerConfig().withOfflineMode(true).withApiServerVersion(VERSION)
                .withUpdateKubeConfig(false).withWaitForEtcdHealthCheckOnStartup(true).withStartupTimeout((int) STARTUP_TIMEOUT.toMillis())
                .build();
        this.binaryManager = new BinaryManager(config);
    }

    /** Why the control plane cannot run here, if it cannot: its binaries were not built. */
    public static Optional<String> unavailable() {
        Path dir = binaryDirectory();
        List<String> missing = BINARIES.stream().filter(b -> !Files.isExecutable(dir.resolve(b))).toList();
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("no Kubernetes " + VERSION + " in " + dir + " (missing " + String.join(", ", missing) + "); build it with "
                        + BUILD_COMMAND);
    }

    /** Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler; logs go to {@code target/cluster/NAME/}. */
    public static ControlPlane start(String name) {
        try {
            Path workDir = workDir(name);
            if (Files.exists(workDir)) {
                try (Stream<Path> old = Files.walk(workDir)) {
                    old.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
            ControlPlane plane = new ControlPlane(Files.createDirectories(workDir));
            Runtime.getRuntime().addShutdownHook(plane.closer);
            try {
                plane.startAll();
            } catch (IOException | RuntimeException e) {
                plane.close();
                throw e;
            }
            return plane;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startAll() throws IOException {
        binaryManager.initAndDownloadIfRequired();
        etcd = new EtcdProcess(binaryManager, process -> { }, true, (int) STARTUP_TIMEOUT.toMillis());
        etcdPort = etcd.startEtcd();
        Files.writeString(workDir.resolve("audit-policy.yaml"), AUDIT_POLICY);
        adminKubeconfig = writeKubeconfig(Identity.ADMIN);
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(adminKubeconfig))).build();
        startApiServer();
        controllerManager = start("kube-controller-manager", "--kubeconfig=" + adminKubeconfig, "--controllers=" + CONTROLLERS,
                "--service-account-private-key-file=" + certificates.apiServerKey(),
                "--root-ca-file=" + certificates.apiServerCertificate(), "--leader-elect=false", "--secure-port=0");
        scheduler = start("kube-scheduler", "--kubeconfig=" + writeKubeconfig(Identity.SCHEDULER), "--leader-elect=false",
                "--secure-port=0");
    }

    /** kube-apiserver on {@link #port}, the same port every time it starts, so that every client finds it again. */
    private void startApiServer() {
        apiServer = start("kube-apiserver", "--etcd-servers=http://127.0.0.1:" + etcdPort, "--secure-port=" + port,
                "--tls-cert-file=" + certificates.apiServerCertificate(), "--tls-private-key-file=" + certificates.apiServerKey(),
                "--client-ca-file=" + certificates.clientCertificates(),
                "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + certificates.apiServerKey(),
                "--service-account-signing-key-file=" + certificates.apiServerKey(),
                "--service-cluster-ip-range=" + SERVICE_RANGE,
                // The kubernetes Service's endpoint: this machine as the pods see it on the node's network.
                "--advertise-address=" + Node.HOST_ADDRESS,
                "--kubelet-client-certificate=" + certificates.certificate(Identity.ADMIN),
                "--kubelet-client-key=" + certificates.key(Identity.ADMIN),
                "--audit-policy-file=" + workDir.resolve("audit-policy.yaml"), "--audit-log-path=" + auditLog(workDir));
        await().atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> apiServer.process().isAlive() && "ok".equals(client.raw("/readyz")));
    }

    /** Stops kube-apiserver and starts it again on the same etcd and port; every watch and connection of every client breaks. */
    public void restartApiServer() {
        apiServer.stop();
        startApiServer();
    }

    /** A client with the cluster-admin certificate (group system:masters). */
    public KubernetesClient client() {
        return client;
    }

    /**
     * Waits until the DatabaseMigration CRD is Established. Not with {@code kubectl wait --for=condition=Established}:
     * it fails at once when it reads the CRD before the API server has given it any condition, which a busy machine shows.
     */
    public void awaitCrdEstablished() {
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(() -> Optional
                .ofNullable(client.apiextensions().v1().customResourceDefinitions().withName(CRD).get())
                .map(CustomResourceDefinition::getStatus).map(CustomResourceDefinitionStatus::getConditions).orElse(List.of()).stream()
                .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus())));
    }

    public Path adminKubeconfig() {
        return adminKubeconfig;
    }

    public String server() {
        return "https://127.0.0.1:" + port;
    }

    /** Writes a kubeconfig of {@code identity} into the work directory. */
    Path writeKubeconfig(Identity identity) {
        try {
            return Files.writeString(workDir.resolve(identity.name().toLowerCase() + ".kubeconfig"),
                    certificates.kubeconfig(identity, server()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs kubectl against this cluster as the admin; stdout and stderr together. */
    public Result kubectl(String... args) {
        return Result.of(kubectlCommand(args));
    }

    /** The command line of kubectl with {@code args}, as the admin of this cluster. */
    public List<String> kubectlCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(binary("kubectl"), "--kubeconfig", adminKubeconfig.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** What a command printed (stdout and stderr together) and how it exited. */
    public record Result(int exitCode, String output) {

        /** Runs {@code command} to its end, two minutes at most. */
        static Result of(List<String> command) {
            return of(new ProcessBuilder(command).redirectErrorStream(true));
        }

        /** Runs the command {@code builder} makes to its end, two minutes at most; its output as the builder says. */
        static Result of(ProcessBuilder builder) {
            try {
                Process process = builder.start();
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!process.waitFor(2, TimeUnit.MINUTES)) {
                    process.destroyForcibly().waitFor();
                }
                return new Result(process.exitValue(), output);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        /** The output's lines that are not blank, trimmed. */
        List<String> lines() {
            return output.lines().map(String::trim).filter(line -> !line.isEmpty()).toList();
        }
    }

    /**
     * A kubeconfig holding a token of the ServiceAccount {@code namespace/name}: every call made with it is authorized
     * by that account's RBAC, and nothing more.
     */
    public Path serviceAccountKubeconfig(String namespace, String name) {
        try {
            String ca = Base64.getEncoder().encodeToString(Files.readAllBytes(certificates.apiServerCertificate()));
            Path file = Files.createTempFile(workDir, namespace + "-" + name + "-", ".kubeconfig");
            String token = client.serviceAccounts().inNamespace(namespace).withName(name)
                    .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build())
                    .getStatus().getToken();
            return Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: cluster, cluster: {server: "%s", certificate-authority-data: "%s"}}]
                    users: [{name: %s, user: {token: "%s"}}]
                    contexts: [{name: %s, context: {cluster: cluster, user: %s, namespace: %s}}]
                    current-context: %s
                    """.formatted(server(), ca, name, token, name, name, namespace, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every request the API server's audit log recorded so far. */
    public List<AuditedRequest> auditedRequests() {
        return AuditedRequest.read(auditLog(workDir));
    }

    /** The audit log of the control plane {@code name} of this build, or of an earlier one: {@code target/cluster/NAME/audit.log}. */
    public static Path auditLog(String name) {
        return auditLog(workDir(name));
    }

    private static Path workDir(String name) {
        return Path.of("target", "cluster", name).toAbsolutePath();
    }

    private static Path auditLog(Path workDir) {
        return workDir.resolve("audit.log");
    }

    public Path workDir() {
        return workDir;
    }

    /** Stops everything it started; also when the JVM ends without the tests closing it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Stream.of(scheduler, controllerManager).filter(d -> d != null).forEach(Daemon::stop);
        if (client != null) {
            client.close();
        }
        if (apiServer != null) {
            apiServer.stop();
        }
        if (etcd != null) {
            etcd.stopEtcd();
            etcd.cleanEtcdData();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(closer);
        } catch (IllegalStateException shuttingDown) {
            // this is the hook
        }
    }

    private Daemon start(String binary, String... args) {
        List<String> command = new ArrayList<>(List.of(binary(binary)));
        command.addAll(List.of(args));
        return Daemon.start(binary, workDir.resolve(binary + ".log"), command);
    }

    /** The path of the Kubernetes binary {@code name} that test/kube/build.sh built. */
    static String binary(String name) {
        return binaryDirectory().resolve(name).toString();
    }

    private static Path binaryDirectory() {
        String dir = Optional.ofNullable(System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR))
                .orElse(Path.of(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME).toString());
        return Path.of(dir, "k8s", VERSION + "-linux-amd64");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String kubernetesVersion() {
        try {
            Matcher version = Pattern.compile("\\sk8s\\.io/kubernetes v(\\d+\\.\\d+\\.\\d+)\\s").matcher(Files.readString(Path.of("test/kube/go.mod")));
            if (!version.find()) {
                throw new IllegalStateException("test/kube/go.mod requires no k8s.io/kubernetes version");
            }
            return version.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
