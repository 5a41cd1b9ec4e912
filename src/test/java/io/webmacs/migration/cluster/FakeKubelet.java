package io.webmacs.migration.cluster;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.webmacs.migration.testsupport.Tier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Plays the scheduler and the kubelet of one Node for the real-cluster tests. It binds every pod that has no node and
 * no scheduling gate to its Node through the API server's binding subresource (which itself refuses gated pods), runs
 * the containers of the pods bound to it, and writes their status through the API server, so the real Job, ReplicaSet
 * and garbage-collector controllers act on it. A container runs as what its image would run:
 * <ul>
 * <li>the migrate container (the operator's image given a command): a real container of its image with podman
 * ({@link PodmanContainer}) when podman holds the shipped image, else {@code target/webmacs-migrate.jar}; either way
 * with its args, env and volumes, its termination message read from the file it wrote;</li>
 * <li>the operator's image with no command (its entrypoint): the same choice, with in-cluster credentials of the pod's
 * ServiceAccount in the container (or a kubeconfig holding its token for the jar); its readiness probe is polled.
 * Every pod shares this machine's network, so its http and webhook ports are moved to free ones ({@link #hostPort});</li>
 * <li>anything else (the WebMACS backend's image): a stand-in that is reported running and runs nothing.</li>
 * </ul>
 * Init containers run first, in order, restarted after a failure unless the pod's restartPolicy is Never. Deleting a
 * pod stops its containers and then removes it, as the kubelet confirms a graceful deletion. Each container's output
 * (stdout and stderr, every restart) goes to a file that its {@link KubeletLogServer} serves: {@code pods/log} through
 * the API server, and so {@code kubectl logs}, read it.
 */
public final class FakeKubelet implements AutoCloseable {

    public static final String NODE = "node-1";
    static final String OPERATOR_IMAGE = "ghcr.io/webmacs/webmacs-migration-operator";
    /** The image the chart deploys, at the chart's appVersion. */
    public static final String SHIPPED_IMAGE = OPERATOR_IMAGE + ":" + chartAppVersion();
    private static final Duration RESTART_BACKOFF = Duration.ofSeconds(1);
    private static final Duration PROBE_PERIOD = Duration.ofMillis(500);
    private static final String SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
    /** The kubelet restarts failing containers for ever; here it gives up after this many, to end with the test. */
    private static final int MAX_RESTARTS = 20;

    /** How many containers run to completion at once: this node's capacity. */
    private static final int SLOTS = 4;

    private final ControlPlane cluster;
    private final KubernetesClient client;
    private final MigrateContainer migrate;
    private final Semaphore slots = new Semaphore(SLOTS);
    private final Path logs;
    private final ExecutorService workers = Executors.newCachedThreadPool();
    private final Map<String, PodRun> runs = new ConcurrentHashMap<>();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final KubeletLogServer logServer;
    private SharedIndexInformer<Pod> informer;

    private FakeKubelet(ControlPlane cluster, MigrateContainer migrate) {
        this.cluster = cluster;
        this.migrate = migrate;
        this.client = cluster.client();
        try {
            this.logs = Files.createDirectories(cluster.workDir().resolve("pods"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.logServer = new KubeletLogServer(this::log);
    }

    /**
     * How migrate containers run here: as real containers of the shipped image when podman holds it
     * ({@code image/build.sh}), else as the packaged CLI and operator jars, a lesser tier that CI=true refuses
     * ({@link Tier}).
     */
    public static MigrateContainer shippedImageOrJar() {
        boolean image = Tier.SHIPPED_IMAGE.available(Podman.unavailable(SHIPPED_IMAGE),
                "target/webmacs-migrate.jar and quarkus-run.jar as processes");
        return image ? MigrateContainer.PODMAN : MigrateContainer.PACKAGED;
    }

    /** Registers the Node and starts serving pods, running migrate containers with {@code migrate}. */
    public static FakeKubelet start(ControlPlane cluster, MigrateContainer migrate) {
        FakeKubelet kubelet = new FakeKubelet(cluster, migrate);
        kubelet.registerNode();
        kubelet.informer = kubelet.client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                kubelet.observe(pod);
            }

            @Override
            public void onUpdate(Pod before, Pod pod) {
                kubelet.observe(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                Optional.ofNullable(kubelet.runs.remove(pod.getMetadata().getUid())).ifPresent(PodRun::stop);
            }
        });
        return kubelet;
    }

    /** The host port that container port {@code name} of the running pod {@code namespace/pod} was moved to. */
    public int hostPort(String namespace, String pod, String name) {
        return runs.values().stream().filter(run -> run.is(namespace, pod)).findFirst()
                .map(run -> run.hostPorts.get(name)).orElseThrow(() -> new IllegalStateException("no port " + name + " on " + pod));
    }

    /** The process id of the first long-running container of pod {@code namespace/pod}. */
    public long pid(String namespace, String pod) {
        return runs.values().stream().filter(run -> run.is(namespace, pod)).findFirst().map(run -> {
            synchronized (run.processes) {
                return run.processes.get(0).pid();
            }
        }).orElseThrow(() -> new IllegalStateException("no process runs for " + pod));
    }

    /** Pods of {@code namespace} are bound but not started until {@link #release}, as on a slow node. */
    public void hold(String namespace) {
        held.add(namespace);
    }

    public void release(String namespace) {
        held.remove(namespace);
        client.pods().inNamespace(namespace).list().getItems().forEach(this::observe);
    }

    /** Kills the processes of pod {@code namespace/pod}, as a crashed node would; the pod object stays as it is. */
    public void crash(String namespace, String pod) {
        runs.values().stream().filter(run -> run.is(namespace, pod)).forEach(PodRun::stop);
    }

    private void registerNode() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE)
                .addToLabels("kubernetes.io/hostname", NODE).endMetadata().build()).create();
        client.nodes().withName(NODE).editStatus(node -> new NodeBuilder(node).withNewStatus()
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withLastHeartbeatTime(Instant.now().toString()).withLastTransitionTime(Instant.now().toString()).endCondition()
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(logServer.port()).endKubeletEndpoint().endDaemonEndpoints()
                .endStatus().build());
    }

    /** The file the output of container {@code container} of pod {@code namespace/pod} goes to. */
    private Path log(String namespace, String pod, String container) {
        return logs.resolve(namespace + "_" + pod + "_" + container + ".log");
    }

    private void observe(Pod pod) {
        String uid = pod.getMetadata().getUid();
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (NODE.equals(pod.getSpec().getNodeName())) {
                workers.submit(() -> confirmDeletion(pod));
            }
        } else if (pod.getSpec().getNodeName() == null && pod.getSpec().getSchedulingGates().isEmpty()) {
            workers.submit(() -> bind(pod));
        } else if (NODE.equals(pod.getSpec().getNodeName()) && !isFinished(pod) && !held.contains(pod.getMetadata().getNamespace())) {
            PodRun run = new PodRun(pod);
            if (runs.putIfAbsent(uid, run) == null) {
                workers.submit(run::run);
            }
        }
    }

    private void bind(Pod pod) {
        try {
            client.bindings().inNamespace(pod.getMetadata().getNamespace()).resource(new BindingBuilder()
                    .withNewMetadata().withName(pod.getMetadata().getName()).withNamespace(pod.getMetadata().getNamespace()).endMetadata()
                    .withNewTarget().withKind("Node").withApiVersion("v1").withName(NODE).endTarget().build()).create();
        } catch (KubernetesClientException e) {
            // bound already, or deleted meanwhile: the next event tells
        }
    }

    private void confirmDeletion(Pod pod) {
        Optional.ofNullable(runs.remove(pod.getMetadata().getUid())).ifPresent(PodRun::stop);
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            // gone already
        }
    }

    private static boolean isFinished(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
        runs.values().forEach(PodRun::stop);
        workers.shutdownNow();
        logServer.close();
    }

    /** One pod on this node: its containers' processes and the status written for them. */
    private final class PodRun {

        private final Pod pod;
        private final String namespace;
        private final String name;
        private final Map<String, Integer> hostPorts = new ConcurrentHashMap<>();
        private final List<Process> processes = new ArrayList<>();
        private final List<PodmanContainer.Started> containers = new ArrayList<>();
        private volatile Thread thread;
        private final Map<String, ContainerStatus> initStatuses = new HashMap<>();
        private final Map<String, ContainerStatus> statuses = new HashMap<>();
        private volatile boolean stopped;

        PodRun(Pod pod) {
            this.pod = pod;
            this.namespace = pod.getMetadata().getNamespace();
            this.name = pod.getMetadata().getName();
        }

        boolean is(String namespace, String name) {
            return this.namespace.equals(namespace) && this.name.equals(name);
        }

        void run() {
            thread = Thread.currentThread();
            try {
                writeStatus("Pending");
                for (Container init : pod.getSpec().getInitContainers()) {
                    if (!runInitContainer(init)) {
                        return;
                    }
                }
                runContainers();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!stopped) {
                    System.err.println("fake kubelet failed on pod " + namespace + "/" + name + ": " + e);
                    e.printStackTrace();
                }
            }
        }

        /** Runs an init container until it succeeds; false if the pod must not go on. */
        private boolean runInitContainer(Container init) throws InterruptedException {
            ContainerState last = null;
            for (int restarts = 0; restarts <= MAX_RESTARTS && !stopped; restarts++) {
                ContainerInputs inputs = ContainerInputs.prepare(client, pod, init);
                if (inputs.configError() != null) {
                    initStatuses.put(init.getName(), status(init, restarts, waiting("CreateContainerConfigError", inputs.configError()), last));
                    writeStatus("Pending");
                    Thread.sleep(RESTART_BACKOFF.toMillis());
                    continue;
                }
                ContainerState result = runToCompletion(init, inputs);
                if (result.getTerminated().getExitCode() == 0) {
                    initStatuses.put(init.getName(), status(init, restarts, result, last));
                    writeStatus("Pending");
                    return true;
                }
                last = result;
                if ("Never".equals(pod.getSpec().getRestartPolicy())) {
                    initStatuses.put(init.getName(), status(init, restarts, result, null));
                    writeStatus("Failed");
                    return false;
                }
                initStatuses.put(init.getName(), status(init, restarts, waiting("CrashLoopBackOff", null), last));
                writeStatus("Pending");
                Thread.sleep(RESTART_BACKOFF.toMillis());
            }
            return false;
        }

        private void runContainers() throws InterruptedException {
            boolean finite = false;
            int failures = 0;
            for (Container container : pod.getSpec().getContainers()) {
                if (isCli(container)) {
                    finite = true;
                    ContainerInputs inputs = ContainerInputs.prepare(client, pod, container);
                    if (inputs.configError() != null) {
                        statuses.put(container.getName(), status(container, 0, waiting("CreateContainerConfigError", inputs.configError()), null));
                        writeStatus("Pending");
                        return; // the kubelet would retry; the tests read the reason
                    }
                    statuses.put(container.getName(), status(container, 0, running(), null));
                    writeStatus("Running");
                    ContainerState result = runToCompletion(container, inputs);
                    failures += result.getTerminated().getExitCode() == 0 ? 0 : 1;
                    statuses.put(container.getName(), status(container, 0, result, null));
                } else {
                    startLongRunning(container);
                    statuses.put(container.getName(), status(container, 0, running(), null));
                }
            }
            writeStatus(!finite ? "Running" : failures == 0 ? "Succeeded" : "Failed");
        }

        private ContainerState runToCompletion(Container container, ContainerInputs inputs) throws InterruptedException {
            slots.acquire();
            try {
                Instant started = Instant.now();
                int exitCode = migrate(container, inputs);
                return terminated(exitCode, inputs.terminationMessage(), started);
            } finally {
                slots.release();
            }
        }

        private int migrate(Container container, ContainerInputs inputs) throws InterruptedException {
            try {
                return migrate.run(inputs, log(container));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private ContainerState terminated(int exitCode, String message, Instant started) {
            return new ContainerStateBuilder().withNewTerminated().withExitCode(exitCode)
                    .withReason(exitCode == 0 ? "Completed" : "Error").withMessage(message)
                    .withStartedAt(started.toString()).withFinishedAt(Instant.now().toString()).endTerminated().build();
        }

        /** The operator's entrypoint, restarted whenever it exits as restartPolicy Always says; or a stand-in. */
        private void startLongRunning(Container container) {
            if (!ofOperatorImage(container)) {
                return; // a stand-in: reported running, runs nothing
            }
            hostPorts.put("http", freePort());
            hostPorts.put("webhook", freePort());
            workers.submit(() -> supervise(container));
        }

        private void supervise(Container container) {
            try {
                for (int restarts = 0; restarts <= MAX_RESTARTS && !stopped; restarts++) {
                    Instant started = Instant.now();
                    Process process = startOperator(container);
                    int restartCount = restarts;
                    workers.submit(() -> probeReadiness(container, process, restartCount));
                    int exitCode = process.waitFor();
                    if (stopped) {
                        return;
                    }
                    ContainerState last = terminated(exitCode, null, started);
                    statuses.put(container.getName(), status(container, restarts + 1, waiting("CrashLoopBackOff", null), last, false));
                    writeStatus("Running");
                    Thread.sleep(RESTART_BACKOFF.toMillis());
                    statuses.put(container.getName(), status(container, restarts + 1, running(), last, false));
                    writeStatus("Running");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The container's readinessProbe (httpGet on a named port), until it first answers 200 or the container exits. */
        private void probeReadiness(Container container, Process process, int restarts) {
            HTTPGetAction probe = container.getReadinessProbe().getHttpGet();
            URI uri = URI.create("http://127.0.0.1:" + hostPorts.get(probe.getPort().getStrVal()) + probe.getPath());
            HttpClient http = HttpClient.newHttpClient();
            while (process.isAlive() && !stopped) {
                try {
                    if (http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        ContainerStatus current = statuses.get(container.getName());
                        statuses.put(container.getName(), status(container, restarts, current.getState(), current.getLastState(), true));
                        writeStatus("Running");
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                sleep(PROBE_PERIOD);
            }
        }

        /**
         * The operator's entrypoint: a real container of its image when containers run in podman, with the
         * ServiceAccount's credentials mounted and KUBERNETES_SERVICE_HOST/PORT set as in any pod (in-cluster
         * configuration); else the packaged operator with a kubeconfig holding the same kind of token.
         */
        private Process startOperator(Container container) {
            String serviceAccount = Optional.ofNullable(pod.getSpec().getServiceAccountName()).orElse("default");
            Map<String, String> env = new HashMap<>(Map.of("QUARKUS_HTTP_PORT", hostPorts.get("http").toString(),
                    "WEBMACS_WEBHOOK_PORT", hostPorts.get("webhook").toString()));
            ContainerInputs inputs = ContainerInputs.prepare(client, pod, container);
            Process process;
            if (migrate == MigrateContainer.PODMAN) {
                env.putAll(Map.of("KUBERNETES_SERVICE_HOST", "127.0.0.1", "KUBERNETES_SERVICE_PORT", Integer.toString(cluster.port())));
                try {
                    PodmanContainer.Started started = PodmanContainer.start(inputs.with(env, SERVICE_ACCOUNT_DIR,
                            cluster.serviceAccountCredentials(namespace, serviceAccount)), log(container));
                    synchronized (processes) {
                        containers.add(started);
                    }
                    process = started.process();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            } else {
                env.putAll(inputs.env());
                env.put("KUBECONFIG", cluster.serviceAccountKubeconfig(namespace, serviceAccount).toString());
                process = Packaged.operator(env, log(container));
            }
            synchronized (processes) {
                processes.add(process);
            }
            return process;
        }

        void stop() {
            stopped = true;
            synchronized (processes) {
                containers.forEach(PodmanContainer.Started::stop);
                processes.forEach(Process::destroyForcibly);
            }
            Optional.ofNullable(thread).ifPresent(Thread::interrupt);
        }

        private Path log(Container container) {
            return FakeKubelet.this.log(namespace, name, container.getName());
        }

        private void writeStatus(String phase) {
            if (stopped) {
                return;
            }
            edit(status -> {
                status.setPhase(phase);
                status.setHostIP("127.0.0.1");
                status.setPodIP("127.0.0.1");
                if (status.getStartTime() == null) {
                    status.setStartTime(Instant.now().toString());
                }
                status.setInitContainerStatuses(new ArrayList<>(initStatuses.values()));
                status.setContainerStatuses(new ArrayList<>(statuses.values()));
                boolean ready = "Running".equals(phase) && statuses.values().stream().allMatch(ContainerStatus::getReady);
                status.setConditions(List.of(condition("PodScheduled", true), condition("Initialized", initStatuses.values().stream()
                        .allMatch(s -> s.getState().getTerminated() != null)), condition("ContainersReady", ready), condition("Ready", ready)));
                return status;
            });
        }

        private void edit(UnaryOperator<PodStatus> change) {
            for (int attempt = 0; attempt < 5; attempt++) {
                Pod current = client.pods().inNamespace(namespace).withName(name).get();
                if (current == null || !current.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
                    return;
                }
                current.setStatus(change.apply(Optional.ofNullable(current.getStatus()).orElseGet(PodStatus::new)));
                try {
                    client.pods().resource(current).updateStatus();
                    return;
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 409) {
                        throw e;
                    }
                }
            }
        }

        /** A container's status; a running one is ready at once, unless it is one this kubelet runs and probes (the operator's). */
        private ContainerStatus status(Container container, int restarts, ContainerState state, ContainerState last) {
            boolean probed = container.getReadinessProbe() != null && hostPorts.containsKey("http");
            return status(container, restarts, state, last,
                    (state.getRunning() != null && !probed) || (state.getTerminated() != null && state.getTerminated().getExitCode() == 0));
        }

        private ContainerStatus status(Container container, int restarts, ContainerState state, ContainerState last, boolean ready) {
            return new ContainerStatusBuilder().withName(container.getName()).withImage(container.getImage())
                    .withRestartCount(restarts).withState(state).withLastState(last).withReady(ready)
                    .withStarted(state.getRunning() != null).build();
        }
    }

    /** webmacs-migrate: the operator's image given a command (the operator itself runs the image's entrypoint). */
    private static boolean isCli(Container container) {
        return ofOperatorImage(container) && !container.getCommand().isEmpty();
    }

    private static boolean ofOperatorImage(Container container) {
        return container.getImage().startsWith(OPERATOR_IMAGE + ":");
    }

    private static ContainerState waiting(String reason, String message) {
        return new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build();
    }

    private static ContainerState running() {
        return new ContainerStateBuilder().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().build();
    }

    private static PodCondition condition(String type, boolean status) {
        return new PodConditionBuilder().withType(type).withStatus(status ? "True" : "False")
                .withLastTransitionTime(Instant.now().toString()).build();
    }

    private static String chartAppVersion() {
        try {
            Matcher version = Pattern.compile("(?m)^appVersion: \"?([^\"\\s]+)").matcher(Files.readString(OperatorCluster.CHART.resolve("Chart.yaml")));
            if (!version.find()) {
                throw new IllegalStateException("the chart has no appVersion");
            }
            return version.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
