package io.webmacs.migration.cli;

import io.webmacs.migration.contract.Finding;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Plan;

/** The text of {@code plan}: what a reviewer reads before approving, the SQL last. */
final class PlanReport {

    private PlanReport() {
    }

    static String of(MigrationResult result) {
        Plan plan = result.plan();
        StringBuilder text = new StringBuilder();
        int changesets = plan.revisions().stream().mapToInt(r -> r.changesets().size()).sum();
        if (changesets == 0) {
            text.append("Nothing to do: at ").append(TextReport.describe(plan.to(), result.head())).append(".\n");
        } else {
            text.append("Plan: ").append(plan.direction().word()).append(" from ").append(plan.from()).append(" to ")
                    .append(TextReport.describe(plan.to(), result.head())).append(", ").append(plan.revisions().size())
                    .append(" revision(s), ").append(changesets).append(" changeset(s)")
                    .append(plan.adopts() == null ? "" : ", after adopting this " + plan.adopts() + " database").append(".\n");
        }
        text.append("Database: ").append(plan.database()).append('\n');
        text.append("Plan hash: ").append(plan.hash()).append('\n');
        if (!plan.findings().isEmpty()) {
            text.append("\nFindings").append(plan.destructive() ? " (destructive steps marked !)" : "").append(":\n");
            for (Finding finding : plan.findings()) {
                text.append(finding.kind().destructive() ? "  ! " : "    ").append(String.format("%-24s %-18s %s%n",
                        finding.kind().code(), finding.table() == null ? "-" : finding.table(), finding.changeset()));
                text.append("      ").append(finding.detail()).append('\n');
            }
        }
        if (!plan.locks().isEmpty()) {
            text.append("\nTable locks (the strongest each table gets; rows as the planner estimates them):\n");
            for (Plan.TableLock lock : plan.locks()) {
                text.append(String.format("    %-24s %-24s %s%n", lock.table(), lock.mode(),
                        lock.estimatedRows() == null ? "rows unknown" : "~" + lock.estimatedRows() + " rows"));
            }
        }
        for (Plan.PlannedRevision revision : plan.revisions()) {
            text.append("\n-- ").append(plan.direction() == Plan.Direction.UPGRADE ? "Apply " : "Roll back ")
                    .append(revision.revision()).append('\n');
            for (Plan.PlannedChangeset changeset : revision.changesets()) {
                text.append("-- Changeset ").append(changeset.id()).append('\n');
                changeset.sql().forEach(sql -> text.append(sql).append(";\n"));
            }
        }
        return text.toString();
    }
}
