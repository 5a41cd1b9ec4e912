package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.RolloutSpec;
import io.webmacs.migration.gate.PodSelection;
import io.webmacs.migration.gate.SchemaRange;
import io.webmacs.migration.gate.ServedRevisions;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether the rollout a contract waits for is complete. With a workloadRef: the Deployment controller has seen the
 * Deployment's generation, every replica is updated and available, and the Deployment's pods, terminating ones
 * included (they still serve requests), all come from one ReplicaSet. With a workloadRef or a podSelector: no running
 * or pending pod of the rollout declares ({@link SchemaRange}) that it needs the schema before contract.
 */
final class RolloutCompletion implements RunDecider.RolloutCheck {

    private static final String TEMPLATE_HASH = "pod-template-hash";

    private final KubernetesClient client;
    private final List<String> revisions;

    /** {@code revisions}: the changelog's, oldest first. */
    RolloutCompletion(KubernetesClient client, List<String> revisions) {
        this.client = client;
        this.revisions = revisions;
    }

    @Override
    public Optional<String> incomplete(DatabaseMigration resource, String target) {
        RolloutSpec rollout = resource.getSpec().getRollout();
        if (rollout == null) {
            return Optional.empty(); // spec.rollout was removed after expand: no rollout to wait for
        }
        String namespace = resource.getMetadata().getNamespace();
        List<Pod> pods;
        if (rollout.getWorkloadRef() != null) {
            Deployment deployment = client.apps().deployments().inNamespace(namespace).withName(rollout.getWorkloadRef().getName()).get();
            // No Deployment, no pod of it that could need the schema before contract.
            pods = deployment == null ? List.of() : pods(namespace, deployment.getSpec().getSelector());
            Optional<String> rolling = deployment == null ? Optional.empty() : of(deployment, pods);
            if (rolling.isPresent()) {
                return rolling;
            }
        } else {
            pods = pods(namespace, rollout.getPodSelector());
        }
        return needingEarlier(pods, ServedRevisions.at(target, revisions));
    }

    /** The live pods whose declared schema {@code contracted} does not serve: they need the schema before contract. */
    static Optional<String> needingEarlier(List<Pod> pods, ServedRevisions contracted) {
        List<String> needing = pods.stream().filter(RolloutCompletion::live).filter(p -> !admits(p, contracted))
                .map(p -> p.getMetadata().getName() + " (" + DatabaseMigration.SCHEMA + ": "
                        + p.getMetadata().getAnnotations().get(DatabaseMigration.SCHEMA) + ")")
                .sorted().toList();
        return needing.isEmpty() ? Optional.empty() : Optional.of("no pod may need the schema before contract, and "
                + String.join(", ", needing) + (needing.size() == 1 ? " does" : " do"));
    }

    /** A pod without the annotation is judged by the rollout alone; one whose annotation does not parse needs what it says. */
    private static boolean admits(Pod pod, ServedRevisions served) {
        try {
            return SchemaRange.declaredBy(pod).map(range -> range.admits(served)).orElse(true);
        } catch (SchemaRange.Malformed e) {
            return false;
        }
    }

    /** What keeps the rollout of {@code deployment}, whose pods are {@code pods}, from being complete; empty when nothing. */
    static Optional<String> of(Deployment deployment, List<Pod> pods) {
        String name = "Deployment " + deployment.getMetadata().getName();
        int desired = Optional.ofNullable(deployment.getSpec().getReplicas()).orElse(1);
        DeploymentStatus status = deployment.getStatus();
        String paused = Boolean.TRUE.equals(deployment.getSpec().getPaused()) ? " (the Deployment is paused)" : "";
        if (status == null || status.getObservedGeneration() == null
                || status.getObservedGeneration() < deployment.getMetadata().getGeneration()) {
            return Optional.of("the Deployment controller has not yet seen generation " + deployment.getMetadata().getGeneration()
                    + " of " + name);
        }
        int updated = Optional.ofNullable(status.getUpdatedReplicas()).orElse(0);
        if (updated < desired) {
            return Optional.of(updated + " of " + desired + " replicas of " + name + " are updated" + paused);
        }
        int available = Optional.ofNullable(status.getAvailableReplicas()).orElse(0);
        if (available < desired) {
            return Optional.of(available + " of " + desired + " replicas of " + name + " are available");
        }
        Set<String> replicaSets = pods.stream().filter(RolloutCompletion::live).map(p -> p.getMetadata().getLabels().get(TEMPLATE_HASH))
                .filter(Objects::nonNull).collect(Collectors.toSet());
        if (replicaSets.size() > 1 || Optional.ofNullable(status.getReplicas()).orElse(0) > desired) {
            return Optional.of("pods of an older ReplicaSet of " + name + " are still there: " + pods.stream().filter(RolloutCompletion::live)
                    .map(p -> p.getMetadata().getName()).sorted().collect(Collectors.joining(", ")));
        }
        return Optional.empty();
    }

    /** A pod whose containers may still run: not Succeeded or Failed. */
    static boolean live(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    private List<Pod> pods(String namespace, LabelSelector selector) {
        // As in the webhook: never every pod of the namespace.
        return PodSelection.selectsNothing(selector) ? List.of()
                : client.pods().inNamespace(namespace).withLabelSelector(selector).list().getItems();
    }
}
