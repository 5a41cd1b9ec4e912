package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** Whether someone must approve what a migration will do before it runs. */
public class ApprovalSpec {

    @JsonPropertyDescription("Automatic (default): the migration runs as soon as it is needed. Manual: the operator first runs"
            + " webmacs-migrate plan in a Job, shows the plan in status.plan and the ConfigMap NAME-plan, and runs the migration only"
            + " once the annotation " + DatabaseMigration.APPROVED_PLAN + " equals status.plan.hash; a changed plan needs a new approval.")
    @Default("Automatic")
    private ApprovalMode mode = ApprovalMode.Automatic;

    public ApprovalMode getMode() {
        return mode;
    }

    public void setMode(ApprovalMode mode) {
        this.mode = mode;
    }
}
