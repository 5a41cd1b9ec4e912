package io.webmacs.migration.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a Deployment's rollout is complete enough for contract to run, from what the API server shows of it. */
class RolloutCompletionTest {

    @Test
    void completeWhenEveryReplicaIsUpdatedAndAvailableAndOnlyNewPodsAreLeft() {
        assertThat(RolloutCompletion.of(deployment(2, 2, 2, 2, 2), List.of(pod("new-a", "new", "Running"), pod("new-b", "new", "Running"))))
                .isEmpty();
    }

    @Test
    void notBeforeTheControllerHasSeenTheNewTemplate() {
        assertThat(RolloutCompletion.of(deployment(2, 1, 2, 2, 2), List.of())).get().asString().contains("has not yet seen generation 2");
    }

    @Test
    void notWhileReplicasAreNotUpdatedOrNotAvailable() {
        assertThat(RolloutCompletion.of(deployment(2, 2, 1, 2, 3), List.of())).get().asString().contains("1 of 2 replicas", "updated");
        assertThat(RolloutCompletion.of(deployment(2, 2, 2, 1, 3), List.of())).get().asString().contains("1 of 2 replicas", "available");
    }

    @Test
    void notWhileAPodOfTheOldReplicaSetIsStillTerminating() {
        Pod terminating = new PodBuilder(pod("old-a", "old", "Running")).editMetadata().withDeletionTimestamp("2026-12-06T12:00:00Z")
                .endMetadata().build();

        assertThat(RolloutCompletion.of(deployment(2, 2, 2, 2, 2), List.of(pod("new-a", "new", "Running"), pod("new-b", "new", "Running"),
                terminating))).get().asString().contains("older ReplicaSet", "old-a");
    }

    @Test
    void aFinishedPodOfTheOldReplicaSetRunsNothing() {
        assertThat(RolloutCompletion.of(deployment(1, 2, 1, 1, 1), List.of(pod("new-a", "new", "Running"), pod("old-a", "old", "Failed"))))
                .isEmpty();
    }

    /** A Deployment at generation 2 with {@code replicas} wanted and its status as given. */
    private static Deployment deployment(int replicas, long observedGeneration, int updated, int available, int total) {
        return new DeploymentBuilder().withNewMetadata().withName("webmacs-backend").withGeneration(2L).endMetadata()
                .withNewSpec().withReplicas(replicas).endSpec()
                .withNewStatus().withObservedGeneration(observedGeneration).withUpdatedReplicas(updated).withAvailableReplicas(available)
                .withReplicas(total).endStatus().build();
    }

    private static Pod pod(String name, String templateHash, String phase) {
        return new PodBuilder().withNewMetadata().withName(name).addToLabels("pod-template-hash", templateHash).endMetadata()
                .withNewStatus().withPhase(phase).endStatus().build();
    }
}
