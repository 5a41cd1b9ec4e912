package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.quarkus.logging.Log;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.api.MigrationRun;
import io.webmacs.migration.api.RunResult;
import io.webmacs.migration.contract.Conditions;
import io.webmacs.migration.contract.Labels;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Kubernetes Events on a DatabaseMigration when a run starts, succeeds, fails or is retried, when a plan awaits approval,
 * and when a drift check finds something new.
 */
@ApplicationScoped
public class MigrationEvents {

    /**
     * Reconciling reasons that announce another attempt, a plan or a contract that waits for someone or for the rollout,
     * each worth one Event when it begins.
     */
    private static final Set<String> ANNOUNCED_REASONS = Set.of(Conditions.RETRYING, Conditions.WAITING_FOR_LOCK, Conditions.AWAITING_APPROVAL,
            Conditions.WAITING_FOR_ROLLOUT, Conditions.AWAITING_CONTRACT, Conditions.CONTRACT_HELD);

    /** The Event reasons for drift: found (or changed), and gone again. */
    static final String DRIFTED = "Drifted";
    static final String DRIFT_RESOLVED = "DriftResolved";

    private final KubernetesClient client;

    public MigrationEvents(KubernetesClient client) {
        this.client = client;
    }

    /** Records what changed between the previous status and the new one. */
    public void emit(DatabaseMigration resource, DatabaseMigrationStatus before, DatabaseMigrationStatus after) {
        RunTransition transition = new RunTransition(before, after);
        MigrationRun run = transition.run();
        if (transition.started()) {
            event(resource, "Normal", "RunStarted", run.describe() + " runs " + run.getCommand());
        }
        if (transition.finished() && run.getResult() == RunResult.SUCCEEDED) {
            event(resource, "Normal", "Migrated", "Database at " + after.getRevision() + "; "
                    + (run.getApplied() == null || run.getApplied().isEmpty() ? "nothing applied" : "applied " + String.join(", ", run.getApplied())));
        } else if (transition.finished()) {
            event(resource, "Warning", "MigrationFailed", run.describe() + ": " + run.getMessage());
        }
        Optional<Condition> ready = after.condition(Conditions.READY);
        String reason = ready.map(Condition::getReason).orElse(null);
        String message = ready.map(Condition::getMessage).orElse("");
        if (ANNOUNCED_REASONS.contains(reason) && !reason.equals(readyReason(before))) {
            event(resource, "Normal", reason, message);
        }
        if (isStalled(after) && !isStalled(before)) {
            event(resource, "Warning", reason, message);
        }
        announceDrift(resource, before, after);
    }

    /**
     * A check found drift, found other differences, found none after drift, or could not check; a check that finds
     * what the last one found says nothing.
     */
    private void announceDrift(DatabaseMigration resource, DatabaseMigrationStatus before, DatabaseMigrationStatus after) {
        Optional<Condition> was = before == null ? Optional.empty() : before.condition(Conditions.DRIFTED);
        Optional<Condition> drifted = after.condition(Conditions.DRIFTED);
        if (drifted.isEmpty() || drifted.map(Condition::getMessage).equals(was.map(Condition::getMessage))) {
            return;
        }
        String message = drifted.get().getMessage();
        switch (drifted.get().getStatus()) {
            case "True" -> event(resource, "Warning", DRIFTED, message);
            case "False" -> {
                if (was.map(c -> "True".equals(c.getStatus())).orElse(false)) {
                    event(resource, "Normal", DRIFT_RESOLVED, message);
                }
            }
            default -> {
                if (!was.map(c -> Conditions.CHECK_FAILED.equals(c.getReason())).orElse(false)) {
                    event(resource, "Warning", Conditions.CHECK_FAILED, message);
                }
            }
        }
    }

    /** An Event on a pod the operator holds for a DatabaseMigration. */
    void onPod(Pod pod, String type, String reason, String message) {
        event(pod, type, reason, message);
    }

    private void event(HasMetadata resource, String type, String reason, String message) {
        String now = Instant.now().toString();
        try {
            client.v1().events().inNamespace(resource.getMetadata().getNamespace()).resource(new EventBuilder()
                    .withNewMetadata().withName(resource.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
                    .withNamespace(resource.getMetadata().getNamespace()).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(resource.getApiVersion()).withKind(resource.getKind())
                            .withName(resource.getMetadata().getName()).withNamespace(resource.getMetadata().getNamespace())
                            .withUid(resource.getMetadata().getUid()).build())
                    .withType(type).withReason(reason).withMessage(truncate(message))
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(Labels.OPERATOR).endSource()
                    .build()).create();
        } catch (KubernetesClientException e) {
            Log.warnf("Could not record event %s on %s %s/%s: %s", reason, resource.getKind(), resource.getMetadata().getNamespace(),
                    resource.getMetadata().getName(), e.getMessage());
        }
    }

    private static String readyReason(DatabaseMigrationStatus status) {
        return status == null ? null : status.condition(Conditions.READY).map(Condition::getReason).orElse(null);
    }

    private static boolean isStalled(DatabaseMigrationStatus status) {
        return status != null && status.isTrue(Conditions.STALLED);
    }

    private static String truncate(String message) {
        return message == null || message.length() <= 1024 ? message : message.substring(0, 1021) + "...";
    }
}
