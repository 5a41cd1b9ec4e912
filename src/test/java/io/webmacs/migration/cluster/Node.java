package io.webmacs.migration.cluster;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.cluster.Certificates.Identity;
import io.webmacs.migration.testsupport.Fixtures;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One real Kubernetes node on this machine, joined to a {@link ControlPlane}: the kubelet (node name {@value #NAME}),
 * kube-proxy and {@link Containerd}, with runc and a CNI bridge. Pods get addresses on {@value #POD_NETWORK}, where this
 * machine is {@value #HOST_ADDRESS}: the API server (through the {@code kubernetes} Service, as kube-proxy routes it) and
 * the tests' PostgreSQL are reached there. The kubelet authenticates the API server's calls (logs, probes' results, exec)
 * by its client certificate or, for tokens, by asking the API server (webhook), and asks the API server whether each
 * caller may (webhook authorization). Only one node runs on a machine at a time: its directories, bridge and iptables
 * chains have fixed names (the tests take /tmp/webmacs-heavy.lock).
 */
public final class Node implements AutoCloseable {

    public static final String NAME = "localhost";
    public static final String POD_NETWORK = "10.244.0.0/24";
    /** This machine on the pods' network: the bridge's address, the pods' gateway. */
    public static final String HOST_ADDRESS = "10.244.0.1";
    /** The pods' sandbox, and a container that only has to keep running (image/build.sh builds it). */
    public static final String PAUSE_IMAGE = "localhost/webmacs-pause:1";
    /** The image the chart deploys, at the chart's appVersion (image/build.sh builds it). */
    public static final String SHIPPED_IMAGE = "ghcr.io/webmacs/webmacs-migration-operator:" + chartAppVersion();
    /** Debian's PostgreSQL 15 (image/build.sh builds it), whose psql runs the WebMACS stand-ins of {@link StandInBackend}. */
    public static final String POSTGRES_IMAGE = "localhost/webmacs-postgres:15";
    /** Every image the node's pods use. */
    private static final List<String> IMAGES = List.of(SHIPPED_IMAGE, PAUSE_IMAGE, POSTGRES_IMAGE, Fixtures.EXTENDED_IMAGE);
    private static final String BRIDGE = "webmacs-cni0";
    private static final String FIREWALL_CHAIN = "KUBE-FIREWALL";
    private static final Path RUN = Path.of("/run/webmacs-node");
    /** What a previous run that died left running: the pid and executable of each program this class started. */
    private static final Path PIDS = RUN.resolve("pids");
    /** The kernel settings the kubelet sets on every node it starts on; put back as they were when the node stops. */
    private static final List<String> KERNEL_TUNABLES = List.of("vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic",
            "kernel/panic_on_oops", "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes");
    private static final Path SAVED_TUNABLES = RUN.resolve("kernel-tunables");
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(1);

    private final ControlPlane cluster;
    private final KubernetesClient client;
    private final Thread closer = new Thread(this::close, "node-shutdown");
    private Containerd containerd;
    private Daemon kubelet;
    private Daemon kubeProxy;
    private boolean closed;

    private Node(ControlPlane cluster) {
        this.cluster = cluster;
        this.client = cluster.client();
    }

    /** Why a node cannot run here, if it cannot. */
    public static Optional<String> unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("a node needs root (containerd, the kubelet, a network bridge), not " + System.getProperty("user.name"));
        }
        List<String> missing = Containerd.missing();
        if (!missing.isEmpty()) {
            return Optional.of("missing " + String.join(", ", missing)
                    + "; install them with apt-get install containerd runc containernetworking-plugins iptables iproute2");
        }
        return IMAGES.stream().map(Podman::unavailable).flatMap(Optional::stream).findFirst();
    }

    /** Starts a node, joins it to {@code cluster}, and waits until it is Ready for pods. */
    public static Node start(ControlPlane cluster) {
        Node node = new Node(cluster);
        Runtime.getRuntime().addShutdownHook(node.closer);
        try {
            node.startAll();
        } catch (IOException e) {
            node.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        return node;
    }

    private void startAll() throws IOException {
        long started = System.nanoTime();
        killWhatADeadRunLeft();
        Files.createDirectories(RUN);
        if (!Files.exists(SAVED_TUNABLES)) {
            Files.write(SAVED_TUNABLES, KERNEL_TUNABLES.stream().map(key -> key + "=" + lines(Path.of("/proc/sys", key)).get(0)).toList());
        }
        ip("link", "add", BRIDGE, "type", "bridge"); // exists already if a run died; kept then
        ip("addr", "replace", HOST_ADDRESS + "/24", "dev", BRIDGE);
        ip("link", "set", BRIDGE, "up");
        containerd = Containerd.start(RUN, cniConfig(), cluster.workDir());
        record(containerd.pid(), "containerd");
        containerd.holdExactly(IMAGES);
        kubelet = Daemon.start("kubelet", cluster.workDir().resolve("kubelet.log"), List.of(ControlPlane.binary("kubelet"),
                "--config=" + Files.writeString(RUN.resolve("kubelet.yaml"), kubeletConfig()),
                "--kubeconfig=" + cluster.writeKubeconfig(Identity.NODE), "--hostname-override=" + NAME,
                "--root-dir=" + RUN.resolve("kubelet"), "--v=2"));
        record(kubelet.pid(), ControlPlane.binary("kubelet"));
        kubeProxy = Daemon.start("kube-proxy", cluster.workDir().resolve("kube-proxy.log"), List.of(ControlPlane.binary("kube-proxy"),
                "--config=" + Files.writeString(RUN.resolve("kube-proxy.yaml"), kubeProxyConfig())));
        record(kubeProxy.pid(), ControlPlane.binary("kube-proxy"));
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(this::readyForPods);
        System.out.printf("Node %s ready for pods %.1f s after it started%n", NAME, (System.nanoTime() - started) / 1e9);
    }

    /** Ready, and without the not-ready taint the node starts with, which the node-lifecycle controller removes. */
    private boolean readyForPods() {
        io.fabric8.kubernetes.api.model.Node node = client.nodes().withName(NAME).get();
        return node.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()))
                && (node.getSpec().getTaints() == null || node.getSpec().getTaints().isEmpty());
    }

    private String cniConfig() {
        return """
                {"cniVersion": "0.4.0", "name": "webmacs-node", "plugins": [
                  {"type": "bridge", "bridge": "%s", "isGateway": true, "ipMasq": false, "hairpinMode": true,
                   "ipam": {"type": "host-local", "dataDir": "%s", "ranges": [[{"subnet": "%s", "gateway": "%s"}]],
                            "routes": [{"dst": "0.0.0.0/0"}]}},
                  {"type": "portmap", "capabilities": {"portMappings": true}}]}
                """.formatted(BRIDGE, RUN.resolve("cni-ipam"), POD_NETWORK, HOST_ADDRESS);
    }

    /**
     * The kubelet on loopback, on a port of its own, with this machine's two limits said: cgroup v1 (cgroupfs, no QoS
     * cgroups), and no swap accounting. No DNS for pods (no resolv.conf: nothing here answers one), no image garbage
     * collection and no evictions (the images are imported once, and the disk is shared), no iptables chains of its own.
     */
    private String kubeletConfig() {
        return """
                apiVersion: kubelet.config.k8s.io/v1beta1
                kind: KubeletConfiguration
                address: 127.0.0.1
                port: %d
                healthzPort: 0
                readOnlyPort: 0
                cgroupDriver: cgroupfs
                cgroupsPerQOS: false
                enforceNodeAllocatable: []
                failSwapOn: false
                failCgroupV1: false
                localStorageCapacityIsolation: false
                evictionHard: {}
                imageGCHighThresholdPercent: 100
                imageGCLowThresholdPercent: 99
                makeIPTablesUtilChains: false
                resolvConf: ""
                podLogsDir: %s
                containerRuntimeEndpoint: %s
                authentication:
                  anonymous: {enabled: false}
                  webhook: {enabled: true}
                  x509: {clientCAFile: %s}
                authorization: {mode: Webhook}
                """.formatted(ControlPlane.freePort(), cluster.workDir().resolve("pods"), containerd.endpoint(),
                Certificates.get().clientCertificates());
    }

    /**
     * kube-proxy in iptables mode, changing no kernel setting of this machine (conntrack limits, route_localnet), and
     * NodePorts only on the pods' network.
     */
    private String kubeProxyConfig() {
        return """
                apiVersion: kubeproxy.config.k8s.io/v1alpha1
                kind: KubeProxyConfiguration
                clientConnection: {kubeconfig: %s}
                hostnameOverride: %s
                mode: iptables
                clusterCIDR: %s
                nodePortAddresses: ["%s"]
                healthzBindAddress: ""
                metricsBindAddress: ""
                oomScoreAdj: 0
                conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
                iptables: {localhostNodePorts: false}
                """.formatted(cluster.writeKubeconfig(Identity.PROXY), NAME, POD_NETWORK, POD_NETWORK);
    }

    /** Lets this node's containerd pull images from the registry {@code host} ({@code address:port}), which serves plain HTTP. */
    public void pullFromPlainHttp(String host) {
        containerd.pullFromPlainHttp(host);
    }

    /** Keeps the scheduler from placing pods here (kubectl cordon); running pods go on. */
    public void cordon() {
        setUnschedulable(true);
    }

    public void uncordon() {
        setUnschedulable(false);
    }

    private void setUnschedulable(boolean unschedulable) {
        client.nodes().withName(NAME).edit(node -> {
            node.getSpec().setUnschedulable(unschedulable);
            return node;
        });
    }

    /** Places {@code pod} on this node through the binding subresource, as the scheduler does, cordoned or not. */
    public void bind(Pod pod) {
        client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new BindingBuilder()
                .withNewMetadata().withName(pod.getMetadata().getName()).withNamespace(pod.getMetadata().getNamespace()).endMetadata()
                .withNewTarget().withKind("Node").withApiVersion("v1").withName(NAME).endTarget().build()).create();
    }

    /** The process id, on this machine, of container {@code container} of the running pod {@code pod}. */
    public long pid(Pod pod, String container) {
        String id = pod.getStatus().getContainerStatuses().stream().filter(c -> container.equals(c.getName())).findFirst()
                .orElseThrow().getContainerID().replaceFirst("^containerd://", "");
        return containerd.pid(id);
    }

    /**
     * Stops every pod through the kubelet (the node cordoned, its pods deleted at once), then the kubelet, kube-proxy (and
     * its iptables chains) and containerd; unmounts what they left, deletes the bridge and puts back the kernel settings.
     * Nothing of the node stays but the image store.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (kubelet != null) {
            drain();
            kubelet.stop();
        }
        if (kubeProxy != null) {
            kubeProxy.stop();
        }
        removeIptablesChains();
        if (containerd != null) {
            containerd.stop();
        }
        unmountAll();
        ip("link", "del", BRIDGE);
        restoreKernelTunables();
        deleteRecursively(RUN);
        try {
            Runtime.getRuntime().removeShutdownHook(closer);
        } catch (IllegalStateException shuttingDown) {
            // this is the hook
        }
    }

    private void drain() {
        try {
            cordon();
            client.pods().inAnyNamespace().withField("spec.nodeName", NAME).withGracePeriod(0).delete();
            await().atMost(DRAIN_TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> containerd.runningContainers().isEmpty());
        } catch (KubernetesClientException | org.awaitility.core.ConditionTimeoutException e) {
            System.err.println("node " + NAME + ": not every pod stopped through the kubelet (" + e.getMessage()
                    + "); containerd kills the rest");
        }
    }

    /**
     * kube-proxy's own chains go with {@code kube-proxy --cleanup}; KUBE-FIREWALL, which it shares with kubelets, stays,
     * so it goes here (the kubelet here makes no chains: makeIPTablesUtilChains is false).
     */
    private static void removeIptablesChains() {
        run(List.of(ControlPlane.binary("kube-proxy"), "--cleanup"));
        for (String iptables : List.of("iptables", "ip6tables")) {
            run(List.of(iptables, "-D", "INPUT", "-j", FIREWALL_CHAIN));
            run(List.of(iptables, "-D", "OUTPUT", "-j", FIREWALL_CHAIN));
            run(List.of(iptables, "-F", FIREWALL_CHAIN));
            run(List.of(iptables, "-X", FIREWALL_CHAIN));
        }
    }

    /** Programs a run that died left behind (this JVM killed, say): ended by the pids it recorded, if they still are those. */
    private static void killWhatADeadRunLeft() throws IOException {
        if (!Files.exists(PIDS)) {
            return;
        }
        for (String line : Files.readAllLines(PIDS)) {
            String[] pidAndBinary = line.split(" ", 2);
            ProcessHandle.of(Long.parseLong(pidAndBinary[0])).filter(p -> p.info().command().filter(pidAndBinary[1]::endsWith).isPresent())
                    .ifPresent(p -> {
                        p.destroyForcibly();
                        p.onExit().join();
                    });
        }
        Files.delete(PIDS);
    }

    private static void record(long pid, String binary) throws IOException {
        Files.writeString(PIDS, pid + " " + binary + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    /** Unmounts, deepest first, whatever the kubelet and containerd left mounted under the node's run directory. */
    private static void unmountAll() {
        List<String> mounts = new ArrayList<>();
        for (String line : lines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            String mountPoint = fields.length > 4 ? fields[4].replace("\\040", " ") : "";
            if (mountPoint.startsWith(RUN + "/")) {
                mounts.add(mountPoint);
            }
        }
        mounts.stream().sorted(Comparator.reverseOrder()).forEach(mount -> run(List.of("umount", "--lazy", mount)));
    }

    private static void restoreKernelTunables() {
        if (Files.exists(SAVED_TUNABLES)) {
            for (String line : lines(SAVED_TUNABLES)) {
                String[] keyAndValue = line.split("=", 2);
                try {
                    Files.writeString(Path.of("/proc/sys", keyAndValue[0]), keyAndValue[1]);
                } catch (IOException e) {
                    System.err.println("node " + NAME + ": cannot put back " + line + ": " + e.getMessage());
                }
            }
        }
    }

    private static void ip(String... args) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(args));
        run(command);
    }

    /** Runs a command to its end; its failure is not this node's (the bridge may exist already, or be gone). */
    private static void run(List<String> command) {
        ControlPlane.Result.of(command);
    }

    private static void deleteRecursively(Path dir) {
        if (Files.exists(dir)) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The lines of {@code file}, read in one go: a file of /proc/sys answers only a read from its start (Files.readString
     * reads a file whose size shows as 0 byte by byte, and gets its first character).
     */
    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String chartAppVersion() {
        Matcher version = Pattern.compile("(?m)^appVersion: \"?([^\"\\s]+)").matcher(String.join("\n", lines(OperatorCluster.CHART.resolve("Chart.yaml"))));
        if (!version.find()) {
            throw new IllegalStateException("the chart has no appVersion");
        }
        return version.group(1);
    }
}
