package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One step of a plan a reviewer should look at, as the plan Job reported it. */
public record PlanFinding(
        @JsonPropertyDescription("DropTable, DropColumn, TypeChange, NotNullOnExistingColumn, DeleteRows (destructive) or DataMigration.")
        String kind,
        @JsonPropertyDescription("The changeset (file::id::author) that does it.")
        String changeset,
        @JsonPropertyDescription("The table it concerns.")
        String table,
        @JsonPropertyDescription("The statement, or what it does, shortened.")
        String detail) {

    /** One line for messages: "DropColumn users.email (changeset)". */
    public String describe() {
        return kind + " on " + table + " (" + changeset + ")";
    }
}
