package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;

/** When the contract changesets of an upgrade run: never before the rollout of the new application is complete. */
public class ContractSpec {

    @JsonPropertyDescription("Auto (default): contract runs as soon as the rollout is complete and no running or pending pod needs"
            + " the schema before contract. Manual: also only once the annotation " + DatabaseMigration.CONTRACT
            + " names the target revision (a post-deployment step).")
    @Default("Auto")
    private ContractMode mode = ContractMode.Auto;

    @JsonPropertyDescription("true: no contract runs, in either mode, until it is false again; the previous application keeps"
            + " working, and a rollback to it stays possible.")
    @Default("false")
    private boolean hold;

    public ContractMode getMode() {
        return mode;
    }

    public void setMode(ContractMode mode) {
        this.mode = mode;
    }

    public boolean isHold() {
        return hold;
    }

    public void setHold(boolean hold) {
        this.hold = hold;
    }
}
