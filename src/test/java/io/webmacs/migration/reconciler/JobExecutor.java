package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.webmacs.migration.runner.WebmacsMigrate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
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
 * the termination message and the Job's status.
 */
final class JobExecutor {

    private static final String TERMINATION_LOG = "/dev/termination-log";

    /** Runs webmacs-migrate with a container's args and environment; returns its exit code. */
    interface Cli {
        int run(List<String> args, Map<String, String> env) throws IOException, InterruptedException;
    }

    /** webmacs-migrate in this JVM, through its main entry point. */
    static final Cli IN_PROCESS = (args, env) -> {
        PrintStream discard = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return WebmacsMigrate.run(args.toArray(String[]::new), env, discard, discard);
    };

    private final KubernetesClient client;
    private final Cli cli;
    private final ExecutorService workers = Executors.newFixedThreadPool(4);
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private final Map<String, Instant> created = new ConcurrentHashMap<>();
    private final Map<String, Instant> finished = new ConcurrentHashMap<>();
    private SharedIndexInformer<Job> informer;
    private static JobExecutor running;

    private JobExecutor(KubernetesClient client, Cli cli) {
        this.client = client;
        this.cli = cli;
    }

    /** An executor for the Jobs of the API server {@code client} talks to. */
    static JobExecutor start(KubernetesClient client, Cli cli) {
        JobExecutor executor = new JobExecutor(client, cli);
        executor.start();
        return executor;
    }

    /** The one executor of this test JVM; the operator under test lives as long as the JVM. */
    static synchronized JobExecutor running(KubernetesClient client) {
        if (running == null) {
            Fixtures.installCrd(client);
            running = start(client, IN_PROCESS);
        }
        return running;
    }

    /** When the Job {@code namespace/name} was first seen, as a Job controller would see it. */
    Instant createdAt(String namespace, String name) {
        return created.get(namespace + "/" + name);
    }

    /** When the Job's final status was written. */
    Instant finishedAt(String namespace, String name) {
        return finished.get(namespace + "/" + name);
    }

    private void start() {
        informer = client.batch().v1().jobs().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {
                created.putIfAbsent(key(job), Instant.now());
                if (seen.add(key(job)) && !held.contains(job.getMetadata().getNamespace())) {
                    workers.submit(() -> execute(job));
                }
            }

            @Override
            public void onUpdate(Job before, Job after) {
                onAdd(after);
            }

            @Override
            public void onDelete(Job job, boolean deletedFinalStateUnknown) {
            }
        });
    }

    /** Jobs in {@code namespace} are left pending, as if their pods had not been scheduled yet. */
    void hold(String namespace) {
        held.add(namespace);
    }

    /** Runs the held Jobs of {@code namespace} now. */
    void release(String namespace) {
        held.remove(namespace);
        client.batch().v1().jobs().inNamespace(namespace).list().getItems().stream()
                .filter(job -> job.getStatus() == null || job.getStatus().getStartTime() == null)
                .forEach(job -> workers.submit(() -> execute(job)));
    }

    void stop() {
        informer.close();
        workers.shutdownNow();
    }

    private void execute(Job job) {
        try {
            Pod pod = client.pods().resource(pod(job)).create();
            Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
            Map<String, String> env = new HashMap<>();
            for (EnvVar var : container.getEnv()) {
                if (var.getValueFrom() == null) {
                    env.put(var.getName(), var.getValue());
                    continue;
                }
                String value = secretValue(job.getMetadata().getNamespace(), var.getValueFrom().getSecretKeyRef());
                if (value == null) {
                    waiting(pod, "CreateContainerConfigError", "secret \"" + var.getValueFrom().getSecretKeyRef().getName()
                            + "\" not found or has no key " + var.getValueFrom().getSecretKeyRef().getKey());
                    markStarted(job);
                    return;
                }
                env.put(var.getName(), value);
            }
            Path sandbox = Files.createTempDirectory("pod-" + pod.getMetadata().getName());
            Path terminationLog = sandbox.resolve("termination-log");
            Map<String, Path> mounts = mountVolumes(job, container, sandbox);
            List<String> args = new ArrayList<>();
            for (String arg : container.getArgs()) {
                args.add(arg.equals(TERMINATION_LOG) ? terminationLog.toString() : rewritePath(arg, mounts));
            }
            markStarted(job);
            Instant started = Instant.now();
            int exitCode = cli.run(args, env);
            String message = Files.exists(terminationLog) ? Files.readString(terminationLog) : "";
            finish(job, pod, exitCode, message, started);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("Job executor failed on " + key(job) + ": " + e); // the executor's pool would swallow it
            throw e;
        }
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

    private String secretValue(String namespace, SecretKeySelector selector) {
        Secret secret = client.secrets().inNamespace(namespace).withName(selector.getName()).get();
        if (secret == null) {
            return null;
        }
        if (secret.getStringData() != null && secret.getStringData().containsKey(selector.getKey())) {
            return secret.getStringData().get(selector.getKey());
        }
        String encoded = secret.getData() == null ? null : secret.getData().get(selector.getKey());
        return encoded == null ? null : new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
    }

    /** ConfigMap volumes as directories, by their mount path. */
    private Map<String, Path> mountVolumes(Job job, Container container, Path sandbox) throws IOException {
        Map<String, Path> mounts = new HashMap<>();
        for (VolumeMount mount : container.getVolumeMounts()) {
            Volume volume = job.getSpec().getTemplate().getSpec().getVolumes().stream()
                    .filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            Path dir = Files.createDirectories(sandbox.resolve(mount.getName()));
            if (volume.getConfigMap() != null) {
                ConfigMap configMap = client.configMaps().inNamespace(job.getMetadata().getNamespace())
                        .withName(volume.getConfigMap().getName()).get();
                for (Map.Entry<String, String> file : configMap.getData().entrySet()) {
                    Files.writeString(dir.resolve(file.getKey()), file.getValue());
                }
            }
            mounts.put(mount.getMountPath(), dir);
        }
        return mounts;
    }

    private static String rewritePath(String arg, Map<String, Path> mounts) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            if (arg.startsWith(mount.getKey() + "/")) {
                return mount.getValue() + arg.substring(mount.getKey().length());
            }
        }
        return arg;
    }

    private void waiting(Pod pod, String reason, String message) {
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Pending")
                .withContainerStatuses(new ContainerStatusBuilder().withName("migrate").withReady(false)
                        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build())
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
        current.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase(exitCode == 0 ? "Succeeded" : "Failed")
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

    private static String key(Job job) {
        return job.getMetadata().getNamespace() + "/" + job.getMetadata().getName();
    }

}
