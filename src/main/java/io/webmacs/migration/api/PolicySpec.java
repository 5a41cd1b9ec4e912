package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;

/** Rules a plan must meet before its migration may run. */
public class PolicySpec {

    @JsonPropertyDescription("Allow (default), or Deny: the operator plans every migration first and stalls, running nothing,"
            + " when the plan has destructive steps (dropped tables, columns or other objects, type changes, NOT NULL on existing"
            + " columns, deleted rows) or a statement the planner cannot classify.")
    @Default("Allow")
    private DestructivePolicy destructive = DestructivePolicy.Allow;

    @JsonPropertyDescription("The largest table, in estimated rows, whose writes a step of the plan may block while it scans or"
            + " rewrites the table: a CREATE INDEX without CONCURRENTLY, a foreign key or CHECK added without NOT VALID, SET NOT"
            + " NULL without a validated CHECK, a type change that rewrites, a volatile default, or an UPDATE in the changeset"
            + " that locked the table (BlocksWrites findings). The operator plans every migration first and stalls, running"
            + " nothing, when such a step is on a larger table or on one whose size is unknown. 0: no such step at all. Unset"
            + " (default): no limit.")
    @Min(0)
    private Long maxBlockedTableRows;

    public DestructivePolicy getDestructive() {
        return destructive;
    }

    public void setDestructive(DestructivePolicy destructive) {
        this.destructive = destructive;
    }

    public Long getMaxBlockedTableRows() {
        return maxBlockedTableRows;
    }

    public void setMaxBlockedTableRows(Long maxBlockedTableRows) {
        this.maxBlockedTableRows = maxBlockedTableRows;
    }
}
