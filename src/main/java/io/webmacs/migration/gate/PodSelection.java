package io.webmacs.migration.gate;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.webmacs.migration.api.RolloutSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Whether a pod being created belongs to the workload or selector a rollout names; decided from the pod alone. */
public final class PodSelection {

    private PodSelection() {
    }

    static boolean matches(RolloutSpec rollout, Pod pod) {
        Map<String, String> labels = Optional.ofNullable(pod.getMetadata().getLabels()).orElse(Map.of());
        if (rollout.getWorkloadRef() != null) {
            return ofDeployment(rollout.getWorkloadRef().getName(), pod, labels);
        }
        return rollout.getPodSelector() != null && selects(rollout.getPodSelector(), labels);
    }

    /** A Deployment's pods are owned by its ReplicaSets, named {@code <deployment>-<pod-template-hash>}. */
    private static boolean ofDeployment(String deployment, Pod pod, Map<String, String> labels) {
        String hash = labels.get("pod-template-hash");
        List<OwnerReference> owners = Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of());
        return hash != null && owners.stream()
                .anyMatch(o -> "ReplicaSet".equals(o.getKind()) && (deployment + "-" + hash).equals(o.getName()));
    }

    /** An empty selector (or none) selects no pod: every pod of the namespace is never what is meant. */
    public static boolean selectsNothing(LabelSelector selector) {
        return selector == null || (selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty());
    }

    private static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selectsNothing(selector)) {
            return false;
        }
        Map<String, String> required = Optional.ofNullable(selector.getMatchLabels()).orElse(Map.of());
        List<LabelSelectorRequirement> expressions = Optional.ofNullable(selector.getMatchExpressions()).orElse(List.of());
        return required.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())))
                && expressions.stream().allMatch(r -> holds(r, labels));
    }

    private static boolean holds(LabelSelectorRequirement requirement, Map<String, String> labels) {
        String value = labels.get(requirement.getKey());
        List<String> values = Optional.ofNullable(requirement.getValues()).orElse(List.of());
        return switch (requirement.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> false;
        };
    }
}
