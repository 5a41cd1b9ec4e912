package io.webmacs.migration.reconciler;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Blocker;
import io.webmacs.migration.contract.Failure;
import io.webmacs.migration.contract.Labels;
import io.webmacs.migration.contract.MigrateCommand;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Verb;
import io.webmacs.migration.run.MigrateContainer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One migration run as the operator sees it: a Job (SchedulingGate mode) or the {@code migrate} init container of a
 * WebMACS pod (InitContainer mode); its state, and what the container reported in its termination message (the
 * runner's JSON result) or why it could not start.
 */
public record ObservedRun(HasMetadata source, String fingerprint, int attempt, Verb verb, Phase phase, String command, RunResult state,
        Integer exitCode, MigrationResult result, String waitingProblem, Instant finishedAt, boolean resultPending, String waitingFor) {

    /** A container that waits for these is on its way; any other reason is worth telling (an image that cannot be pulled). */
    private static final Set<String> STARTING = Set.of("ContainerCreating", "PodInitializing", "CreateContainerConfigError");

    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** A Job, with the pod that runs it (null until it exists). */
    public static ObservedRun ofJob(Job job, Pod pod) {
        Optional<ContainerStatus> container = migrateStatus(pod, PodStatus::getContainerStatuses);
        ContainerStateTerminated terminated = container.map(ContainerStatus::getState).map(ContainerState::getTerminated).orElse(null);
        MigrateCommand command = MigrateCommand.parse(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs());
        return new ObservedRun(job, label(job, Labels.FINGERPRINT),
                Integer.parseInt(Optional.ofNullable(label(job, Labels.ATTEMPT)).orElse("1")),
                Verb.of(label(job, Labels.VERB)).orElseThrow(() -> new IllegalStateException("Job " + job.getMetadata().getName()
                        + " has no " + Labels.VERB + " label")),
                command.phase(), command.verbAndTarget(), state(job),
                terminated == null ? null : terminated.getExitCode(),
                terminated == null ? null : parse(terminated.getMessage()),
                configError(container),
                finishedAt(job),
                // The Job and its pod come through different watches; a finished Job may show before its pod does.
                pod != null && terminated == null && container.map(ContainerStatus::getState).map(ContainerState::getWaiting).isEmpty(),
                waitingFor(container));
    }

    /**
     * The run of the {@code migrate} init container the webhook injected into {@code pod}. The kubelet restarts a failed
     * init container; its last run is then in {@code lastState} while the container waits to start again.
     */
    public static ObservedRun ofInitContainer(Pod pod) {
        Optional<ContainerStatus> container = migrateStatus(pod, PodStatus::getInitContainerStatuses);
        ContainerStateTerminated terminated = container.map(ContainerStatus::getState).map(ContainerState::getTerminated)
                .or(() -> container.filter(c -> c.getState().getRunning() == null)
                        .map(ContainerStatus::getLastState).map(ContainerState::getTerminated))
                .orElse(null);
        RunResult state = terminated == null ? RunResult.RUNNING : terminated.getExitCode() == 0 ? RunResult.SUCCEEDED : RunResult.FAILED;
        MigrateCommand command = MigrateCommand.parse(pod.getSpec().getInitContainers().stream()
                .filter(c -> MigrateContainer.NAME.equals(c.getName())).findFirst().orElseThrow().getArgs());
        // The webhook injects upgrades only.
        return new ObservedRun(pod, label(pod, Labels.FINGERPRINT), container.map(c -> c.getRestartCount() + 1).orElse(1),
                Verb.UPGRADE, command.phase(), command.verbAndTarget(), state,
                terminated == null ? null : terminated.getExitCode(),
                terminated == null ? null : parse(terminated.getMessage()),
                configError(container),
                terminated == null || terminated.getFinishedAt() == null ? null : Instant.parse(terminated.getFinishedAt()),
                false, waitingFor(container));
    }

    /** Whether {@code pod} carries a migrate init container the webhook injected. */
    public static boolean hasInjectedInitContainer(Pod pod) {
        return label(pod, Labels.FINGERPRINT) != null && pod.getSpec().getInitContainers() != null
                && pod.getSpec().getInitContainers().stream().anyMatch(c -> MigrateContainer.NAME.equals(c.getName()));
    }

    public String name() {
        return source.getMetadata().getName();
    }

    public boolean isJob() {
        return source instanceof Job;
    }

    /** The approved plan's hash a migration Job runs with ({@link MigrateCommand#PLAN_HASH}), or null. */
    public String planHash() {
        if (!(source instanceof Job job)) {
            return null;
        }
        return MigrateCommand.parse(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).planHash();
    }

    /** This run as status.lastRun and status.history show it. */
    public MigrationRun toStatus() {
        MigrationRun run = new MigrationRun();
        if (isJob()) {
            run.setJob(name());
        } else {
            run.setPod(name());
        }
        run.setFingerprint(fingerprint);
        run.setAttempt(attempt);
        run.setCommand(command);
        run.setResult(state);
        if (finishedAt != null) {
            run.setFinishedAt(finishedAt.toString());
        }
        if (result != null) {
            run.setApplied(result.applied());
            run.setRolledBack(result.rolledBack() == null || result.rolledBack().isEmpty() ? null : result.rolledBack());
            run.setDurationMs(result.durationMs());
            if (result.blockedBy() != null && !result.blockedBy().isEmpty()) {
                run.setBlockedBy(result.blockedBy().stream().map(Blocker::describe).toList());
                run.setBlockedByOmitted(result.blockedByOmitted() == 0 ? null : result.blockedByOmitted());
            }
            if (result.error() != null) {
                run.setErrorCode(result.error().code());
                run.setFailedChangeset(result.error().changeset());
                run.setMessage(result.error().message());
            }
        } else if (state == RunResult.FAILED) {
            run.setMessage("the migrate container ended without a result (exit code " + exitCode
                    + "; killed, out of memory or past its deadline)");
        }
        return run;
    }

    /** The failure the run reported in its result, if it reported one this operator knows. */
    public Optional<Failure> failure() {
        return Optional.ofNullable(result).map(MigrationResult::error).map(MigrationResult.Error::code).flatMap(Failure::ofCode);
    }

    private static Optional<ContainerStatus> migrateStatus(Pod pod, Function<PodStatus, List<ContainerStatus>> statuses) {
        return Optional.ofNullable(pod).map(Pod::getStatus).map(statuses)
                .flatMap(s -> s.stream().filter(c -> MigrateContainer.NAME.equals(c.getName())).findFirst());
    }

    /** "; its pod waits: ImagePullBackOff: ..." while the container waits for something other than its start; else "". */
    public String waitingNote() {
        return waitingFor == null ? "" : "; its pod waits: " + waitingFor;
    }

    private static String waitingFor(Optional<ContainerStatus> container) {
        return container.map(ContainerStatus::getState).map(ContainerState::getWaiting).filter(w -> w.getReason() != null)
                .filter(w -> !STARTING.contains(w.getReason()))
                .map(w -> w.getMessage() == null ? w.getReason() : w.getReason() + ": " + w.getMessage()).orElse(null);
    }

    /** Why the container cannot be created: a Secret or key its env names is missing. */
    private static String configError(Optional<ContainerStatus> container) {
        return container.map(ContainerStatus::getState).map(ContainerState::getWaiting)
                .filter(w -> "CreateContainerConfigError".equals(w.getReason())).map(w -> w.getMessage()).orElse(null);
    }

    private static String label(HasMetadata resource, String key) {
        Map<String, String> labels = resource.getMetadata().getLabels();
        return labels == null ? null : labels.get(key);
    }

    private static RunResult state(Job job) {
        if (job.getStatus() == null) {
            return RunResult.RUNNING;
        }
        if (hasCondition(job, "Complete") || positive(job.getStatus().getSucceeded())) {
            return RunResult.SUCCEEDED;
        }
        if (hasCondition(job, "Failed") || positive(job.getStatus().getFailed())) {
            return RunResult.FAILED;
        }
        return RunResult.RUNNING;
    }

    private static boolean hasCondition(Job job, String type) {
        return job.getStatus().getConditions().stream().anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean positive(Integer count) {
        return count != null && count > 0;
    }

    private static Instant finishedAt(Job job) {
        if (job.getStatus() == null) {
            return null;
        }
        if (job.getStatus().getCompletionTime() != null) {
            return Instant.parse(job.getStatus().getCompletionTime());
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> ("Failed".equals(c.getType()) || "Complete".equals(c.getType())) && c.getLastTransitionTime() != null)
                .map(JobCondition::getLastTransitionTime).map(Instant::parse).findFirst().orElse(null);
    }

    /** The runner's JSON result, or null when the container ended without writing one (killed, out of memory). */
    private static MigrationResult parse(String message) {
        if (message == null || message.isBlank()) {
            return null;
        }
        try {
            return JSON.readValue(message, MigrationResult.class);
        } catch (Exception e) {
            return null;
        }
    }
}
