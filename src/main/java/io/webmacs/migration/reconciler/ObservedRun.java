package io.webmacs.migration.reconciler;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.webmacs.migration.runner.MigrationResult;
import java.time.Instant;
import java.util.Optional;

/**
 * One migration Job as the operator sees it: its state, and what its {@code migrate} container reported in its
 * termination message (the runner's JSON result) or why the container could not start.
 */
public record ObservedRun(Job job, State state, Integer exitCode, MigrationResult result, String waitingProblem,
        Instant finishedAt, boolean resultPending) {

    /** Where a Job is. */
    public enum State { RUNNING, SUCCEEDED, FAILED }

    static final String CONTAINER = "migrate";
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    public static ObservedRun of(Job job, Pod pod) {
        Optional<ContainerStatus> container = Optional.ofNullable(pod).map(Pod::getStatus)
                .flatMap(s -> s.getContainerStatuses().stream().filter(c -> CONTAINER.equals(c.getName())).findFirst());
        ContainerStateTerminated terminated = container.map(c -> c.getState()).map(s -> s.getTerminated()).orElse(null);
        ContainerStateWaiting waiting = container.map(c -> c.getState()).map(s -> s.getWaiting()).orElse(null);
        return new ObservedRun(job, state(job),
                terminated == null ? null : terminated.getExitCode(),
                terminated == null ? null : parse(terminated.getMessage()),
                waiting != null && "CreateContainerConfigError".equals(waiting.getReason()) ? waiting.getMessage() : null,
                finishedAt(job),
                // The Job and its pod come through different watches; a finished Job may show before its pod does.
                pod != null && terminated == null && waiting == null);
    }

    public String name() {
        return job.getMetadata().getName();
    }

    public int attempt() {
        return Integer.parseInt(job.getMetadata().getLabels().getOrDefault(Labels.ATTEMPT, "1"));
    }

    private static State state(Job job) {
        if (job.getStatus() == null) {
            return State.RUNNING;
        }
        if (hasCondition(job, "Complete") || positive(job.getStatus().getSucceeded())) {
            return State.SUCCEEDED;
        }
        if (hasCondition(job, "Failed") || positive(job.getStatus().getFailed())) {
            return State.FAILED;
        }
        return State.RUNNING;
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
