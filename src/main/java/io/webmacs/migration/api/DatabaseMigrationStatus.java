package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** What the operator observed: the revision the database is at, the last run and the kstatus conditions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DatabaseMigrationStatus {

    @JsonPropertyDescription("The generation of the spec this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("The revision the database is at, as the last run reported it.")
    private String revision;

    @JsonPropertyDescription("The revision the spec asks for, resolved (head becomes the newest revision of the changelog).")
    private String targetRevision;

    @JsonPropertyDescription("With spec.rollout in SchedulingGate mode, an upgrade whose changelog has contract changesets: Expanded"
            + " (the old and the new application both work; contract waits for the rollout) or Contracted.")
    private SchemaPhase phase;

    @JsonPropertyDescription("Revisions whose contract changesets are pending, as the last run reported them.")
    private List<String> contractPending;

    @JsonPropertyDescription("The revisions of spec.changelog.path in spec.runner.image, as the image listed them; the operator"
            + " resolves head and holds pods by them.")
    private ImageChangelog changelog;

    @JsonPropertyDescription("Ready, Reconciling and Stalled, in the kstatus convention; and Drifted, when spec.driftCheck is set.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The latest migration run.")
    private MigrationRun lastRun;

    @JsonPropertyDescription("The plan of the pending migration, when approval.mode is Manual, policy.destructive is Deny or"
            + " policy.maxBlockedTableRows is set.")
    private PlanStatus plan;

    @JsonPropertyDescription("What the last drift check found, when spec.driftCheck is set.")
    private DriftStatus drift;

    @JsonPropertyDescription("Finished runs, newest first, at most ten.")
    private List<MigrationRun> history = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public String getRevision() {
        return revision;
    }

    public void setRevision(String revision) {
        this.revision = revision;
    }

    public String getTargetRevision() {
        return targetRevision;
    }

    public void setTargetRevision(String targetRevision) {
        this.targetRevision = targetRevision;
    }

    public SchemaPhase getPhase() {
        return phase;
    }

    public void setPhase(SchemaPhase phase) {
        this.phase = phase;
    }

    public List<String> getContractPending() {
        return contractPending;
    }

    public void setContractPending(List<String> contractPending) {
        this.contractPending = contractPending;
    }

    public ImageChangelog getChangelog() {
        return changelog;
    }

    public void setChangelog(ImageChangelog changelog) {
        this.changelog = changelog;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public MigrationRun getLastRun() {
        return lastRun;
    }

    public void setLastRun(MigrationRun lastRun) {
        this.lastRun = lastRun;
    }

    public PlanStatus getPlan() {
        return plan;
    }

    public void setPlan(PlanStatus plan) {
        this.plan = plan;
    }

    public DriftStatus getDrift() {
        return drift;
    }

    public void setDrift(DriftStatus drift) {
        this.drift = drift;
    }

    public List<MigrationRun> getHistory() {
        return history;
    }

    public void setHistory(List<MigrationRun> history) {
        this.history = history;
    }

    /** The condition of {@code type}, if present. */
    public Optional<Condition> condition(String type) {
        return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    /** Whether the condition of {@code type} is present and True. */
    public boolean isTrue(String type) {
        return condition(type).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatabaseMigrationStatus s && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(revision, s.revision) && Objects.equals(targetRevision, s.targetRevision)
                && phase == s.phase && Objects.equals(contractPending, s.contractPending) && Objects.equals(changelog, s.changelog)
                && Objects.equals(conditions, s.conditions) && Objects.equals(lastRun, s.lastRun)
                && Objects.equals(plan, s.plan) && Objects.equals(drift, s.drift) && Objects.equals(history, s.history);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, revision, targetRevision, phase, contractPending, changelog, conditions, lastRun, plan, drift, history);
    }
}
