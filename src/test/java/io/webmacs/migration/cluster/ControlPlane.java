package io.webmacs.migration.cluster;

import io.fabric8.kubeapitest.KubeAPIServerConfig;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubeapitest.binary.BinaryManager;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubeapitest.kubeconfig.KubeConfig;
import io.fabric8.kubeapitest.process.EtcdProcess;
import io.fabric8.kubeapitest.process.KubeAPIServerProcess;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real Kubernetes control plane on loopback: etcd and kube-apiserver (RBAC, PodSecurity and admission webhooks on)
 * started through fabric8 kube-api-test, and kube-controller-manager with the controllers the operator depends on. The
 * binaries are the ones {@code test/kube/build.sh} builds from the Kubernetes Go modules. Clients reach the API server
 * through a fixed front port, so it can be restarted under them as in a control-plane upgrade.
 */
public final class ControlPlane implements AutoCloseable {

    /** The Kubernetes version test/kube/go.mod builds, e.g. {@code 1.34.4}. */
    public static final String VERSION = kubernetesVersion();
    public static final String BUILD_COMMAND = "test/kube/build.sh";
    private static final List<String> BINARIES = List.of("kube-apiserver", "kube-controller-manager", "kubectl", "etcd");
    private static final String CONTROLLERS = String.join(",", "job-controller", "garbage-collector-controller",
            "namespace-controller", "serviceaccount-controller", "serviceaccount-token-controller", "deployment-controller",
            "replicaset-controller", "ttl-after-finished-controller");
    private static final int STARTUP_TIMEOUT_MS = 120_000;

    private final KubeAPIServerConfig config;
    private final BinaryManager binaryManager;
    private final CertManager certManager;
    private final Path workDir;
    private EtcdProcess etcd;
    private int etcdPort;
    private KubeAPIServerProcess apiServer;
    private ApiServerProxy front;
    private Process controllerManager;
    private Path adminKubeconfig;
    private KubernetesClient client;

    private ControlPlane(Path workDir) {
        this.workDir = workDir;
        this.config = KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withApiServerVersion(VERSION)
                .withUpdateKubeConfig(false)
                .withWaitForEtcdHealthCheckOnStartup(true)
                .withStartupTimeout(STARTUP_TIMEOUT_MS)
                .build();
        this.binaryManager = new BinaryManager(config);
        this.certManager = new CertManager(config.getKubeAPITestDir());
    }

    /** Why the control plane cannot run here, if it cannot: its binaries were not built. */
    public static Optional<String> unavailable() {
        Path dir = binaryDirectory();
        List<String> missing = BINARIES.stream().filter(b -> !Files.isExecutable(dir.resolve(b))).toList();
        return missing.isEmpty() ? Optional.empty()
                : Optional.of("no Kubernetes " + VERSION + " control plane in " + dir + " (missing " + String.join(", ", missing)
                        + "); build it with " + BUILD_COMMAND);
    }

    /** Starts etcd, kube-apiserver and kube-controller-manager; logs go to {@code target/cluster/NAME/}. */
    public static ControlPlane start(String name) {
        try {
            Path workDir = Path.of("target", "cluster", name).toAbsolutePath();
            if (Files.exists(workDir)) {
                try (Stream<Path> old = Files.walk(workDir)) {
                    old.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
            ControlPlane plane = new ControlPlane(Files.createDirectories(workDir));
            plane.startAll();
            return plane;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startAll() throws IOException {
        binaryManager.initAndDownloadIfRequired();
        certManager.createCertificatesIfNeeded();
        etcd = new EtcdProcess(binaryManager, process -> { }, true, STARTUP_TIMEOUT_MS);
        etcdPort = etcd.startEtcd();
        int port = startApiServer();
        front = new ApiServerProxy(port);
        adminKubeconfig = Files.writeString(workDir.resolve("admin.kubeconfig"),
                new KubeConfig(certManager, binaryManager).generateKubeConfigYaml(front.port()));
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(adminKubeconfig))).build();
        controllerManager = new ProcessBuilder(binaryDirectory().resolve("kube-controller-manager").toString(),
                "--kubeconfig=" + adminKubeconfig,
                "--controllers=" + CONTROLLERS,
                "--service-account-private-key-file=" + certManager.getAPIServerKeyPath(),
                "--root-ca-file=" + certManager.getAPIServerCertPath(),
                "--leader-elect=false",
                "--secure-port=0")
                .redirectErrorStream(true).redirectOutput(workDir.resolve("kube-controller-manager.log").toFile()).start();
    }

    private int startApiServer() {
        apiServer = new KubeAPIServerProcess(certManager, binaryManager, process -> { }, config);
        int port = apiServer.startApiServer(etcdPort);
        apiServer.waitUntilReady();
        return port;
    }

    /** Stops kube-apiserver and starts it again on the same etcd; every watch and connection of every client breaks. */
    public void restartApiServer() {
        apiServer.stopApiServer();
        front.closeConnections();
        front.routeTo(startApiServer());
    }

    /** A client with the cluster-admin certificate kube-api-test generates (group system:masters). */
    public KubernetesClient client() {
        return client;
    }

    public Path adminKubeconfig() {
        return adminKubeconfig;
    }

    public String server() {
        return "https://127.0.0.1:" + port();
    }

    /** Runs kubectl against this cluster as the admin; stdout and stderr together. */
    public Result kubectl(String... args) {
        try {
            Process process = new ProcessBuilder(kubectlCommand(args)).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The command line of kubectl with {@code args}, as the admin of this cluster. */
    public List<String> kubectlCommand(String... args) {
        List<String> command = new ArrayList<>(List.of(binaryDirectory().resolve("kubectl").toString(), "--kubeconfig", adminKubeconfig.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** What a command printed and how it exited. */
    public record Result(int exitCode, String output) {
    }

    /**
     * A kubeconfig holding a token of the ServiceAccount {@code namespace/name}: every call made with it is authorized
     * by that account's RBAC, and nothing more.
     */
    public Path serviceAccountKubeconfig(String namespace, String name) {
        try {
            String ca = Base64.getEncoder().encodeToString(certificateAuthority().getBytes(StandardCharsets.UTF_8));
            Path file = Files.createTempFile(workDir, namespace + "-" + name + "-", ".kubeconfig");
            return Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters: [{name: cluster, cluster: {server: "%s", certificate-authority-data: "%s"}}]
                    users: [{name: %s, user: {token: "%s"}}]
                    contexts: [{name: %s, context: {cluster: cluster, user: %s, namespace: %s}}]
                    current-context: %s
                    """.formatted(server(), ca, name, token(namespace, name), name, name, namespace, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What the kubelet mounts at /var/run/secrets/kubernetes.io/serviceaccount for a pod of the ServiceAccount
     * {@code namespace/name}: a token, the cluster's CA and the namespace, in a new directory.
     */
    public Path serviceAccountCredentials(String namespace, String name) {
        try {
            // Readable by the container's user, as the kubelet's projected volume is (defaultMode 0644).
            Path dir = Files.createTempDirectory(workDir, namespace + "-" + name + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            for (Map.Entry<String, String> file : Map.of("token", token(namespace, name), "ca.crt", certificateAuthority(),
                    "namespace", namespace).entrySet()) {
                Files.setPosixFilePermissions(Files.writeString(dir.resolve(file.getKey()), file.getValue()),
                        PosixFilePermissions.fromString("rw-r--r--"));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port in-cluster clients reach the API server on (KUBERNETES_SERVICE_PORT; the host is 127.0.0.1). */
    public int port() {
        return front.port();
    }

    /** A token of the ServiceAccount, minted through the TokenRequest API as the kubelet does for a pod. */
    private String token(String namespace, String name) {
        return client.serviceAccounts().inNamespace(namespace).withName(name)
                .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(24 * 3600L).endSpec().build())
                .getStatus().getToken();
    }

    /** The CA that signed the API server's certificate, in PEM. */
    public String certificateAuthority() {
        try {
            return Files.readString(Path.of(certManager.getAPIServerCertPath()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path workDir() {
        return workDir;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        if (controllerManager != null) {
            controllerManager.destroyForcibly();
        }
        if (apiServer != null) {
            apiServer.stopApiServer();
        }
        if (front != null) {
            front.close();
        }
        if (etcd != null) {
            etcd.stopEtcd();
            etcd.cleanEtcdData();
        }
    }

    private static Path binaryDirectory() {
        String dir = Optional.ofNullable(System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR))
                .orElse(Path.of(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME).toString());
        return Path.of(dir, "k8s", VERSION + "-linux-amd64");
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
