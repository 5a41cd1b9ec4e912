package io.webmacs.migration.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.webmacs.migration.contract.Finding;
import io.webmacs.migration.contract.MigrationException;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Verb;
import java.util.List;

/**
 * The outcome of {@code revision}, as printed with {@code --output json} and written to {@code --result-file}.
 *
 * @param revision the new revision's tag, e.g. {@code 006_my_new_table}
 * @param alembicRevision the Alembic revision it was imported from
 * @param file the changeset file written; null when nothing was written
 * @param changelogExtension the extension changelog that includes it
 * @param findings the review checklist's findings on its upgrade SQL (warnings; with --strict, nothing is written)
 */
@JsonPropertyOrder({"command", "revision", "alembicRevision", "file", "changelogExtension", "findings", "durationMs", "error"})
record RevisionResult(String command, String revision, String alembicRevision, String file, String changelogExtension,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Finding> findings, long durationMs, MigrationResult.Error error) {

    static RevisionResult of(String revision, String alembicRevision, String file, String changelogExtension,
            List<Finding> findings, long durationMs, MigrationException failure) {
        return new RevisionResult(Verb.REVISION.word(), revision, alembicRevision, file, changelogExtension, findings, durationMs,
                failure == null ? null : MigrationResult.Error.of(failure));
    }

    static RevisionResult failed(MigrationException failure, long durationMs) {
        return of(null, null, null, null, null, durationMs, failure);
    }

    /** What the text output says: what was written, then each finding as a warning. */
    String text() {
        StringBuilder text = new StringBuilder();
        if (file != null) {
            text.append("Imported Alembic revision ").append(alembicRevision).append(" as ").append(revision).append(": wrote ")
                    .append(file).append(", included from ").append(changelogExtension).append('\n');
        }
        text.append(findings.isEmpty() ? "Review: no findings\n" : "Review: " + findings.size() + " finding(s)\n");
        findings.forEach(f -> text.append("  warning: ").append(f.kind().code()).append(f.table() == null ? "" : " on " + f.table())
                .append(": ").append(f.detail()).append('\n'));
        return text.toString();
    }
}
