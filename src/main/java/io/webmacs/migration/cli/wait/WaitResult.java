package io.webmacs.migration.cli.wait;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Verb;

/**
 * The outcome of {@code wait}, as printed with {@code --output json} and written to {@code --result-file}.
 *
 * @param revision status.revision: what the database is at
 * @param generation metadata.generation, null when the resource was not found
 * @param reason the reason of the condition that decided (Ready, Stalled or Reconciling), when one did
 * @param drift what the last drift check found, when it found differences: Ready all the same
 */
@JsonPropertyOrder({"command", "name", "namespace", "ready", "revision", "generation", "reason", "message", "drift", "durationMs", "error"})
public record WaitResult(
        String command,
        String name,
        String namespace,
        boolean ready,
        String revision,
        Long generation,
        String reason,
        String message,
        @JsonInclude(JsonInclude.Include.NON_NULL) String drift,
        long durationMs,
        MigrationResult.Error error) {

    public static WaitResult of(String name, String namespace, MigrationReadiness seen, MigrationException failure, long durationMs) {
        return new WaitResult(Verb.WAIT.word(), name, namespace, seen.state() == MigrationReadiness.State.READY, seen.revision(),
                seen.generation(), seen.reason(), seen.message(), seen.drift(), durationMs, failure == null ? null : MigrationResult.Error.of(failure));
    }

    /** Nothing was seen: the API could not be asked. */
    public static WaitResult failed(String name, String namespace, MigrationException failure, long durationMs) {
        return new WaitResult(Verb.WAIT.word(), name, namespace, false, null, null, null, null, null, durationMs,
                MigrationResult.Error.of(failure));
    }
}
