package io.webmacs.migration.cli.approve;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Verb;

/**
 * The outcome of {@code approve}, as printed with {@code --output json} and written to {@code --result-file}.
 *
 * @param hash the plan's hash: the one approved, or the current one when the approval was refused
 */
@JsonPropertyOrder({"command", "name", "namespace", "approved", "hash", "durationMs", "error"})
public record ApproveResult(String command, String name, String namespace, boolean approved, String hash, long durationMs,
        MigrationResult.Error error) {

    static ApproveResult approved(String name, String namespace, String hash, long durationMs) {
        return new ApproveResult(Verb.APPROVE.word(), name, namespace, true, hash, durationMs, null);
    }

    public static ApproveResult failed(String name, String namespace, MigrationException failure, long durationMs) {
        return new ApproveResult(Verb.APPROVE.word(), name, namespace, false, null, durationMs, MigrationResult.Error.of(failure));
    }
}
