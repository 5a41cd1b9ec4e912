package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One step of a plan a reviewer should look at, as the plan Job reported it. */
public record PlanFinding(
        @JsonPropertyDescription("DropTable, DropColumn, TypeChange, NotNullOnExistingColumn, DeleteRows, DropObject, Unreviewed"
                + " (destructive), Rename, DataMigration or BlocksWrites. Unreviewed: a statement the planner cannot classify (a DO"
                + " block, a function call, SQL it cannot parse), refused by policy.destructive Deny. BlocksWrites: a statement"
                + " that scans or rewrites an existing table under a lock that blocks writes to it, checked against"
                + " policy.maxBlockedTableRows.")
        String kind,
        @JsonPropertyDescription("The changeset (file::id::author) that does it.")
        String changeset,
        @JsonPropertyDescription("The table it concerns; none for a statement that concerns no table the planner knows.")
        String table,
        @JsonPropertyDescription("The statement, shortened; after -- what the planner saw, when the statement alone does not say.")
        String detail) {

    /** One line for messages: "DropColumn on users (changeset)", or "Unreviewed (changeset)" when no table is named. */
    public String describe() {
        return kind + (table == null ? "" : " on " + table) + " (" + changeset + ")";
    }
}
