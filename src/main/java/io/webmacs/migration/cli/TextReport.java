package io.webmacs.migration.cli;

import io.webmacs.migration.contract.Drift;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Phase;
import io.webmacs.migration.contract.Verb;
import java.util.ArrayList;
import java.util.List;

/** The human-readable output of a successful command. */
final class TextReport {

    private TextReport() {
    }

    static String of(Verb verb, MigrationResult result) {
        String at = result.revision() == null ? "" : describe(result.revision(), result.head()) + contractPending(result.contractPending());
        StringBuilder text = new StringBuilder();
        if (result.adopted() != null) {
            text.append("Adopted an existing WebMACS database (").append(result.adopted()).append(").\n");
        }
        switch (verb) {
            case UPGRADE -> text.append(upgraded(result, at));
            case DOWNGRADE -> text.append(result.rolledBack().isEmpty()
                    ? "Nothing rolled back; at " + at + ".\n"
                    : "Rolled back " + String.join(", ", result.rolledBack()) + "; now at " + at + ".\n");
            case STAMP -> text.append("Stamped ").append(at).append("; nothing was run.\n");
            case PLAN -> text.append(PlanReport.of(result));
            case HISTORY -> {
                List<String> revisions = result.history().stream().map(MigrationResult.AppliedRevision::revision).toList();
                int adoptableUpTo = result.adoptable() == null ? -1 : revisions.indexOf(result.revision());
                for (int i = 0; i < revisions.size(); i++) {
                    String appliedAt = result.history().get(i).appliedAt();
                    String state = appliedAt != null ? "applied " + appliedAt + (result.history().get(i).contractPending() ? ", contract pending" : "")
                            : i <= adoptableUpTo ? "present; upgrade adopts it" : "pending";
                    text.append(String.format("%-24s %s%n", describe(revisions.get(i), result.head()), state));
                }
            }
            case CHECK -> text.append(drift(result.drift(), at));
            case REVISIONS -> result.revisions().forEach(r -> text.append(String.format("%-24s %d changeset%s%n",
                    describe(r.name(), result.head()), r.changeSets(), r.changeSets() == 1 ? "" : "s")));
            default -> text.append(at).append(result.adoptable() == null ? "" : " (existing " + result.adoptable()
                    + " database, not adopted yet; upgrade adopts it)").append('\n');
        }
        return text.toString();
    }

    /** "Applied 004_rbac_api_tokens (expand); now at ...", or what contract did, or that nothing was to do. */
    private static String upgraded(MigrationResult result, String at) {
        String phase = result.phase() == null || result.phase() == Phase.ALL ? "" : " (" + result.phase().word() + ")";
        List<String> done = new ArrayList<>();
        if (!result.applied().isEmpty()) {
            done.add("Applied " + String.join(", ", result.applied()) + phase);
        }
        if (!result.contracted().isEmpty()) {
            done.add("Contracted " + String.join(", ", result.contracted()));
        }
        return (done.isEmpty() ? "Nothing to apply" + phase + "; at " : String.join("; ", done) + "; now at ") + at + ".\n";
    }

    /** ", contract pending: 004_rbac_api_tokens" when a contract is pending; else nothing. */
    private static String contractPending(List<String> revisions) {
        return revisions == null || revisions.isEmpty() ? "" : ", contract pending: " + String.join(", ", revisions);
    }

    /** One line per difference, then what they add up to. */
    private static String drift(Drift drift, String at) {
        StringBuilder text = new StringBuilder();
        drift.differences().forEach(d -> text.append(d.describe()).append('\n'));
        int count = drift.count();
        text.append(count == 0 ? "No drift: the schema is the changelog's at " + at
                : count + (count == 1 ? " difference" : " differences") + " from the changelog's schema at " + at);
        if (drift.known() > 0) {
            text.append("; left out ").append(drift.known()).append(" known difference").append(drift.known() == 1 ? "" : "s")
                    .append(" of a database built by WebMACS's create_all (").append(drift.route()).append(")");
        }
        return text.append(".\n").toString();
    }

    /** A revision as users read it: {@code 005_oidc_sso (head)}. */
    static String describe(String revision, String head) {
        return revision.equals(head) ? revision + " (head)" : revision;
    }
}
