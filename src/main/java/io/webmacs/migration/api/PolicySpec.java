package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Rules a plan must meet before its migration may run. */
public class PolicySpec {

    @JsonPropertyDescription("Allow (default), or Deny: the operator plans every migration first and stalls, running nothing,"
            + " when the plan has destructive steps (dropped tables, columns or other objects, type changes, NOT NULL on existing"
            + " columns, deleted rows) or a statement the planner cannot classify.")
    @Default("Allow")
    private DestructivePolicy destructive = DestructivePolicy.Allow;

    public DestructivePolicy getDestructive() {
        return destructive;
    }

    public void setDestructive(DestructivePolicy destructive) {
        this.destructive = destructive;
    }
}
