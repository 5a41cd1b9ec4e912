package io.webmacs.migration.testsupport;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Stands in for the kubelet and the Job controller: for every Job the operator creates, it makes the pod, resolves
 * the migrate container's env from Secrets and its ConfigMap volumes the way the kubelet would, runs webmacs-migrate
 * with the container's args for real (against the embedded PostgreSQL), and writes the pod's terminated state with
 * the termination message and the Job's status. The migrate init containers the webhook injects into WebMACS pods
 * are run the same way, with the init container statuses a kubelet would write.
 */
public final class JobExecutor {

    /** The kubelet restarts a failing init container for ever; here it gives up after this many, to end with the test. */
    private static final int MAX_RESTARTS = 10;
    private static final Duration RESTART_BACKOFF = Duration.ofMillis(500);

    private final KubernetesClient client;
    private final ContainerRunner cli;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, List<String>> appended = new ConcurrentHashMap<>();
    private final Map<String, Instant> created = new ConcurrentHashMap<>();
    private final Map<String, Instant> finished = new ConcurrentHashMap<>();
    private volatile KubernetesServer logServer;
    private SharedIndexInformer<Job> informer;
    private SharedIndexInformer<Pod> pods;
    private static JobExecutor running;

    private JobExecutor(KubernetesClient client, ContainerRunner cli) {
        this.client = client;
        this.cli = cli;
    }

    /** An executor for the Jobs of the API server {@code client} talks to. */
    public static JobExecutor start(KubernetesClient client, ContainerRunner cli) {
        JobExecutor executor = new JobExecutor(client, cli);
        executor.start();
        return executor;
    }

    /** The one executor of this test JVM; the operator under test lives as long as the JVM. */
    public static synchronized JobExecutor running(KubernetesClient client) {
        if (running == null) {
            Fixtures.installCrd(client);
            running = start(client, ContainerRunner.IN_PROCESS);
        }
        return running;
    }

    /** When the Job {@code namespace/name} was first seen, as a Job controller would see it. */
    public Instant createdAt(String namespace, String name) {
        return created.get(namespace + "/" + name);
    }

    /** When the Job's final status was written. */
    public Instant finishedAt(String namespace, String name) {
        return finished.get(namespace + "/" + name);
    }

    private void start() {
        pods = client.pods().inAnyNamespace().inform(new AddOrUpdate<>(pod -> {
            if (hasMigrateInitContainer(pod) && !held.contains(pod.getMetadata().getNamespace())
                    && seen.add(pod.getMetadata().getNamespace() + "/pod/" + pod.getMetadata().getName())) {
                workers.submit(() -> executeInitContainer(pod));
            }
        }));
        informer = client.batch().v1().jobs().inAnyNamespace().inform(new AddOrUpdate<>(job -> {
            created.putIfAbsent(key(job), Instant.now());
            if (seen.add(key(job)) && !held.contains(job.getMetadata().getNamespace())) {
                workers.submit(() -> execute(job));
            }
        }));
    }

    /**
     * From now on, what a Job's container printed is readable through the pods/log API of {@code server}, as a kubelet
     * serves it: registered before the pod shows as terminated.
     */
    public void servePodLogs(KubernetesServer server) {
        logServer = server;
    }

    /** Jobs in {@code namespace} are left pending, as if their pods had not been scheduled yet. */
    public void hold(String namespace) {
        held.add(namespace);
    }

    /**
     * The migrate containers (of Jobs and of init containers) in {@code namespace} run webmacs-migrate with {@code args}
     * after their own: a setting of the CLI the operator gives no field for, such as a DDL lock budget of seconds instead
     * of 3 minutes.
     */
    public void appendArgs(String namespace, String... args) {
        appended.put(namespace, List.of(args));
    }

    /** Runs the held Jobs of {@code namespace} now. */
    public void release(String namespace) {
        held.remove(namespace);
        client.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
                .filter(job -> job.getStatus() == null || job.getStatus().getStartTime() == null)
                .forEach(job -> workers.submit(() -> execute(job)));
    }

    public void stop() {
        informer.close();
        pods.close();
        workers.shutdownNow();
    }

    private void execute(Job job) {
        try {
            Pod pod = client.pods().resource(pod(job)).create();
            markStarted(job);
            Instant started = Instant.now();
            ContainerRun run = run(pod, pod.getSpec().getContainers().get(0));
            if (run.configError() != null) {
                waiting(pod, run.configError());
                return;
            }
            serveLog(pod, run.log());
            finish(job, pod, run.exitCode(), run.message(), started);
        } catch (RuntimeException e) {
            System.err.println("Job executor failed on " + key(job) + ": " + e); // the executor's pool would swallow it
            throw e;
        }
    }

    /**
     * Runs the migrate init container of a pod the webhook injected it into, as the kubelet would: again after a
     * failure (with a short back-off instead of the kubelet's minutes), the last run's result in {@code lastState}
     * while it waits; the app containers start only once it succeeded.
     */
    private void executeInitContainer(Pod pod) {
        Container container = pod.getSpec().getInitContainers().stream().filter(c -> "migrate".equals(c.getName())).findFirst().orElseThrow();
        try {
            for (int restarts = 0; restarts <= MAX_RESTARTS; restarts++) {
                Instant started = Instant.now();
                ContainerRun run = run(pod, container);
                if (run.configError() != null) {
                    initContainerStatus(pod, restarts, new ContainerStateBuilder().withNewWaiting()
                            .withReason("CreateContainerConfigError").withMessage(run.configError()).endWaiting().build(), null);
                    return;
                }
                ContainerState terminated = new ContainerStateBuilder().withNewTerminated().withExitCode(run.exitCode())
                        .withReason(run.exitCode() == 0 ? "Completed" : "Error").withMessage(run.message())
                        .withStartedAt(started.toString()).withFinishedAt(Instant.now().toString()).endTerminated().build();
                if (run.exitCode() == 0) {
                    initContainerStatus(pod, restarts, terminated, null);
                    return;
                }
                if (!initContainerStatus(pod, restarts, new ContainerStateBuilder().withNewWaiting().withReason("CrashLoopBackOff")
                        .endWaiting().build(), terminated)) {
                    return; // the pod is gone
                }
                Thread.sleep(RESTART_BACKOFF.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("Job executor failed on the init container of pod " + pod.getMetadata().getName() + ": " + e);
            throw e;
        }
    }

    /** What one run of a container came to: its exit code, termination message and output, or why it could not be created. */
    private record ContainerRun(int exitCode, String message, String log, String configError) {
    }

    private void serveLog(Pod pod, String log) {
        KubernetesServer server = logServer;
        if (server != null) {
            server.expect().get().withPath("/api/v1/namespaces/" + pod.getMetadata().getNamespace() + "/pods/" + pod.getMetadata().getName()
                    + "/log?pretty=false&container=" + pod.getSpec().getContainers().get(0).getName()).andReturn(200, log).always();
        }
    }

    /** Runs {@code container} of {@code pod} through webmacs-migrate with what the kubelet would give it. */
    private ContainerRun run(Pod pod, Container container) {
        List<String> extra = appended.getOrDefault(pod.getMetadata().getNamespace(), List.of());
        ContainerInputs inputs = ContainerInputs.prepare(client, pod, new ContainerBuilder(container).addAllToArgs(extra).build());
        if (inputs.configError() != null) {
            return new ContainerRun(-1, null, null, inputs.configError());
        }
        try {
            Path log = inputs.terminationLog().resolveSibling("output.log");
            int exitCode = cli.run(inputs, log);
            return new ContainerRun(exitCode, inputs.terminationMessage(), Files.exists(log) ? Files.readString(log) : "", null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Writes the migrate init container's status on the pod; false when the pod no longer exists. */
    private boolean initContainerStatus(Pod pod, int restarts, ContainerState state, ContainerState lastState) {
        Pod current = client.pods().resource(pod).get();
        if (current == null) {
            return false;
        }
        boolean done = state.getTerminated() != null;
        current.setStatus(new PodStatusBuilder().withPhase(done ? "Running" : "Pending")
                .withInitContainerStatuses(new ContainerStatusBuilder().withName("migrate").withReady(done).withRestartCount(restarts)
                        .withState(state).withLastState(lastState).build())
                .build());
        client.pods().resource(current).updateStatus();
        return true;
    }

    private Pod pod(Job job) {
        return new PodBuilder()
                .withNewMetadata()
                .withName(job.getMetadata().getName() + "-pod")
                .withNamespace(job.getMetadata().getNamespace())
                .withLabels(job.getSpec().getTemplate().getMetadata().getLabels())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(job.getMetadata().getName()).withUid(job.getMetadata().getUid()).withController(true).build())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase("Pending").endStatus()
                .build();
    }

    private void waiting(Pod pod, String configError) {
        pod.setStatus(new PodStatusBuilder().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName("migrate").withReady(false)
                        .withNewState().withNewWaiting().withReason("CreateContainerConfigError").withMessage(configError)
                        .endWaiting().endState().build())
                .build());
        client.pods().resource(pod).updateStatus();
    }

    private void markStarted(Job job) {
        Job current = client.batch().v1().jobs().resource(job).get();
        current.setStatus(new JobStatusBuilder().withStartTime(Instant.now().toString()).withActive(1).build());
        client.batch().v1().jobs().resource(current).updateStatus();
    }

    private void finish(Job job, Pod pod, int exitCode, String message, Instant started) {
        String now = Instant.now().toString();
        Pod current = client.pods().resource(pod).get();
        current.setStatus(new PodStatusBuilder().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
                .withContainerStatuses(new ContainerStatusBuilder().withName("migrate").withReady(false)
                        .withNewState().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
                        .withMessage(message).withStartedAt(started.toString()).withFinishedAt(now).endTerminated().endState().build())
                .build());
        client.pods().resource(current).updateStatus();
        Job currentJob = client.batch().v1().jobs().resource(job).get();
        JobStatusBuilder status = new JobStatusBuilder().withStartTime(started.toString()).withActive(0);
        if (exitCode == 0) {
            status.withSucceeded(1).withCompletionTime(now).withConditions(
                    new JobConditionBuilder().withType("SuccessCriteriaMet").withStatus("True").withLastTransitionTime(now).build(),
                    new JobConditionBuilder().withType("Complete").withStatus("True").withLastTransitionTime(now).build());
        } else {
            status.withFailed(1).withConditions(
                    new JobConditionBuilder().withType("FailureTarget").withStatus("True").withReason("BackoffLimitExceeded")
                            .withLastTransitionTime(now).build(),
                    new JobConditionBuilder().withType("Failed").withStatus("True").withReason("BackoffLimitExceeded")
                            .withLastTransitionTime(now).build());
        }
        currentJob.setStatus(status.build());
        client.batch().v1().jobs().resource(currentJob).updateStatus();
        finished.put(key(job), Instant.now());
    }

    /** A pod the webhook gave a migrate init container, schedulable and not started yet. */
    private static boolean hasMigrateInitContainer(Pod pod) {
        return pod.getSpec().getInitContainers() != null && pod.getSpec().getInitContainers().stream().anyMatch(c -> "migrate".equals(c.getName()))
                && (pod.getSpec().getSchedulingGates() == null || pod.getSpec().getSchedulingGates().isEmpty())
                && (pod.getStatus() == null || pod.getStatus().getInitContainerStatuses().isEmpty());
    }

    private static String key(Job job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }

}
