package io.webmacs.migration.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.webmacs.migration.api.DatabaseMigration;
import io.webmacs.migration.api.DatabaseMigrationStatus;
import io.webmacs.migration.contract.Conditions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The status after a reconcile that threw: what was observed before stays, the kstatus conditions say what failed, with
 * reason ActionFailed. Reconciling while the operator retries; Stalled once its retries are spent, because only the next
 * event (a change of the resource, its Jobs or pods) tries again. The message holds the API server's answer, or only the
 * kind of an unexpected error, never more: an exception's text is not known to be free of secrets.
 */
final class ErrorStatus {

    /** Keeps the condition short; the API server's answers are one line. */
    static final int MAX_MESSAGE = 1024;

    private ErrorStatus() {
    }

    static DatabaseMigrationStatus of(DatabaseMigration resource, Exception error, boolean retriesSpent, Instant now) {
        DatabaseMigrationStatus status = resource.getStatus() == null ? new DatabaseMigrationStatus() : resource.getStatus();
        long generation = Objects.requireNonNullElse(resource.getMetadata().getGeneration(), 0L);
        List<Condition> previous = status.getConditions();
        String message = message(error) + (retriesSpent
                ? ". The operator's retries are spent; it tries again on the next change of the resource, its Jobs or its pods"
                : ". The operator retries");
        List<Condition> conditions = new ArrayList<>(retriesSpent
                ? ConditionSet.stalled(generation, previous, now, Conditions.ACTION_FAILED, message)
                : ConditionSet.reconciling(generation, previous, now, Conditions.ACTION_FAILED, message));
        previous.stream().filter(c -> conditions.stream().noneMatch(kept -> kept.getType().equals(c.getType()))).forEach(conditions::add);
        status.setObservedGeneration(generation);
        status.setConditions(conditions);
        return status;
    }

    /** What failed and what the API server answered. JOSDK's metrics may wrap the exception: its causes are searched. */
    static String message(Exception error) {
        String what = cause(error, ActionFailedException.class).map(failed -> "Could not " + failed.action()).orElse("The reconcile failed");
        String message = what + ": " + cause(error, KubernetesClientException.class).filter(refused -> refused.getCode() > 0)
                .map(ErrorStatus::answer).orElseGet(() -> rootCause(error).getClass().getSimpleName() + "; the operator's log has the details");
        return message.length() <= MAX_MESSAGE ? message : message.substring(0, MAX_MESSAGE) + "...";
    }

    private static String answer(KubernetesClientException refused) {
        Status status = refused.getStatus();
        return "the API server answered " + refused.getCode() + (status == null || status.getMessage() == null ? "" : " (" + status.getMessage() + ")");
    }

    private static <T extends Throwable> Optional<T> cause(Throwable error, Class<T> type) {
        return Stream.iterate(error, Objects::nonNull, Throwable::getCause).filter(type::isInstance).map(type::cast).findFirst();
    }

    private static Throwable rootCause(Throwable error) {
        return Stream.iterate(error, Objects::nonNull, Throwable::getCause).reduce((first, second) -> second).orElseThrow();
    }
}
