package io.webmacs.migration.cli;

import io.webmacs.migration.contract.Finding;
import io.webmacs.migration.contract.MigrationResult;
import io.webmacs.migration.contract.Plan;
import java.util.ArrayList;
import java.util.List;

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
        if (result.phase() != null) {
            text.append("Phase: ").append(result.phase().word()).append('\n');
        }
        if (!plan.findings().isEmpty()) {
            text.append("\nFindings").append(plan.destructive() ? " (destructive steps marked !)" : "").append(":\n");
            for (Finding finding : plan.findings()) {
                text.append(finding.kind().destructive() ? "  ! " : "    ").append(String.format("%-24s %-18s %s%n",
                        finding.kind().code(), finding.table() == null ? "-" : finding.table(), finding.changeset()));
                text.append("      ").append(finding.detail()).append('\n');
            }
        }
        if (!plan.locks().isEmpty()) {
            text.append("\nTable locks (the strongest each table gets; rows as the planner estimates them, size with indexes):\n");
            for (Plan.TableLock lock : plan.locks()) {
                text.append(String.format("    %-24s %-24s %-16s %s%n", lock.table(), lock.mode(),
                        lock.estimatedRows() == null ? "rows unknown" : "~" + lock.estimatedRows() + " rows",
                        lock.sizeBytes() == null ? "" : Plan.size(lock.sizeBytes())));
            }
        }
        for (Plan.PlannedRevision revision : plan.revisions()) {
            text.append("\n-- ").append(plan.direction() == Plan.Direction.UPGRADE ? "Apply " : "Roll back ")
                    .append(revision.revision()).append('\n');
            for (Plan.PlannedChangeset changeset : revision.changesets()) {
                text.append("-- Changeset ").append(changeset.id()).append(" (").append(changeset.phase().word()).append(")\n");
                for (int statement = 0; statement < changeset.sql().size(); statement++) {
                    text.append(locks(changeset, statement)).append(changeset.sql().get(statement)).append(";\n");
                }
            }
        }
        return text.toString();
    }

    /** "-- locks users ACCESS EXCLUSIVE (blocks writes; scans it)" before a statement that locks existing tables. */
    private static String locks(Plan.PlannedChangeset changeset, int statement) {
        List<String> held = changeset.locks().stream().filter(l -> l.statement() == statement).map(PlanReport::describe).toList();
        return held.isEmpty() ? "" : "-- locks " + String.join(", ", held) + "\n";
    }

    private static String describe(Plan.StatementLock lock) {
        List<String> what = new ArrayList<>();
        if (lock.blocksWrites()) {
            what.add("blocks writes");
        }
        if (lock.work() != Plan.Work.NONE) {
            what.add(lock.work().verb() + " it");
        }
        return lock.table() + " " + lock.mode() + (what.isEmpty() ? "" : " (" + String.join("; ", what) + ")");
    }
}
