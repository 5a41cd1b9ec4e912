package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** Which pods wait for the schema, and how. */
@ValidationRule(value = "has(self.workloadRef) != has(self.podSelector)", message = "set exactly one of workloadRef and podSelector")
public class RolloutSpec {

    @JsonPropertyDescription("The Deployment, in this namespace, whose new pods wait until the database is at the target revision.")
    private WorkloadReference workloadRef;

    @JsonPropertyDescription("Or: the pods, in this namespace, that wait until the database is at the target revision.")
    private LabelSelector podSelector;

    @JsonPropertyDescription("SchedulingGate (default): new pods get a scheduling gate that the operator removes once the resource "
            + "is Ready for its generation; the migration runs in a Job. InitContainer: new pods get a migrate init container "
            + "that runs the upgrade before the app starts; the operator runs no Job and reports what the init containers did.")
    @Default("SchedulingGate")
    private RolloutMode mode = RolloutMode.SchedulingGate;

    @JsonPropertyDescription("SchedulingGate mode with a workloadRef or podSelector: an upgrade runs its expand changesets before the"
            + " new pods start, and its contract changesets (label contract) only once the rollout is complete. When they run.")
    private ContractSpec contract;

    public WorkloadReference getWorkloadRef() {
        return workloadRef;
    }

    public void setWorkloadRef(WorkloadReference workloadRef) {
        this.workloadRef = workloadRef;
    }

    public LabelSelector getPodSelector() {
        return podSelector;
    }

    public void setPodSelector(LabelSelector podSelector) {
        this.podSelector = podSelector;
    }

    public ContractSpec getContract() {
        return contract;
    }

    public void setContract(ContractSpec contract) {
        this.contract = contract;
    }

    public RolloutMode getMode() {
        return mode;
    }

    public void setMode(RolloutMode mode) {
        this.mode = mode;
    }
}
