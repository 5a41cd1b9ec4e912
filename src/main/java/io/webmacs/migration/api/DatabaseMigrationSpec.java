package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Optional;

/** What the database should be at, and how to reach it. */
@ValidationRule(value = "!has(self.rollout) || !has(self.rollout.mode) || self.rollout.mode != 'InitContainer'"
        + " || !has(self.changelog) || has(self.changelog.file) || has(self.changelog.path)",
        message = "rollout.mode InitContainer with a changelog ConfigMap needs spec.changelog.file")
// An init container upgrades as soon as a pod starts: there is no moment to plan, review or refuse.
@ValidationRule(value = "!has(self.rollout) || !has(self.rollout.mode) || self.rollout.mode != 'InitContainer'"
        + " || ((!has(self.approval) || !has(self.approval.mode) || self.approval.mode == 'Automatic')"
        + " && (!has(self.policy) || ((!has(self.policy.destructive) || self.policy.destructive == 'Allow')"
        + " && !has(self.policy.maxBlockedTableRows))))",
        message = "rollout.mode InitContainer upgrades without a plan: approval.mode Manual, policy.destructive Deny and"
                + " policy.maxBlockedTableRows need rollout.mode SchedulingGate")
// check runs a custom changelog's SQL only on a scratch database: on the target it could lock tables, or COMMIT.
@ValidationRule(value = "!has(self.driftCheck) || !has(self.changelog) || has(self.driftCheck.devDatabase)",
        message = "driftCheck with a changelog ConfigMap needs driftCheck.devDatabase: a scratch database where the check"
                + " builds the changelog's schema, which never runs on the database it checks")
// Only an image built to hold it has the changelog; the operator's own image holds the built-in one alone.
@ValidationRule(value = "!has(self.changelog) || !has(self.changelog.path) || (has(self.runner) && has(self.runner.image))",
        message = "changelog.path names a file of spec.runner.image: set the image built with that changelog")
public class DatabaseMigrationSpec {

    @JsonPropertyDescription("The PostgreSQL database to migrate.")
    @Required
    private DatabaseSpec database;

    @JsonPropertyDescription("The revision to reach: a revision tag such as 005_oidc_sso, or head for the newest.")
    @Default("head")
    @Pattern("^[A-Za-z0-9_.-]{1,63}$")
    private String targetRevision = "head";

    @JsonPropertyDescription("Must be true before a target below the database's current revision rolls the schema back (data may be lost).")
    @Default("false")
    private boolean allowDowngrade;

    @JsonPropertyDescription("A changelog of your own, from a ConfigMap. Default: the built-in WebMACS changelog.")
    private ChangelogSpec changelog;

    @JsonPropertyDescription("How the migration Job runs.")
    private RunnerSpec runner;

    @JsonPropertyDescription("Whether the plan must be approved before the migration runs. Default: Automatic.")
    private ApprovalSpec approval;

    @JsonPropertyDescription("Rules a plan must meet before it runs. Default: destructive steps and steps that block writes allowed.")
    private PolicySpec policy;

    @JsonPropertyDescription("Compare the live schema with the changelog's now and then, and report differences as the"
            + " condition Drifted. Default: off.")
    private DriftCheckSpec driftCheck;

    @JsonPropertyDescription("Hold new WebMACS pods until the database is at the target revision. Default: no gate.")
    private RolloutSpec rollout;

    public DatabaseSpec getDatabase() {
        return database;
    }

    public void setDatabase(DatabaseSpec database) {
        this.database = database;
    }

    public String getTargetRevision() {
        return targetRevision;
    }

    public void setTargetRevision(String targetRevision) {
        this.targetRevision = targetRevision;
    }

    public boolean isAllowDowngrade() {
        return allowDowngrade;
    }

    public void setAllowDowngrade(boolean allowDowngrade) {
        this.allowDowngrade = allowDowngrade;
    }

    public ChangelogSpec getChangelog() {
        return changelog;
    }

    public void setChangelog(ChangelogSpec changelog) {
        this.changelog = changelog;
    }

    public RunnerSpec getRunner() {
        return runner;
    }

    public void setRunner(RunnerSpec runner) {
        this.runner = runner;
    }

    public RolloutSpec getRollout() {
        return rollout;
    }

    public void setRollout(RolloutSpec rollout) {
        this.rollout = rollout;
    }

    public ApprovalSpec getApproval() {
        return approval;
    }

    public void setApproval(ApprovalSpec approval) {
        this.approval = approval;
    }

    public PolicySpec getPolicy() {
        return policy;
    }

    public void setPolicy(PolicySpec policy) {
        this.policy = policy;
    }

    public DriftCheckSpec getDriftCheck() {
        return driftCheck;
    }

    public void setDriftCheck(DriftCheckSpec driftCheck) {
        this.driftCheck = driftCheck;
    }

    /** approval.mode Manual: the migration waits for the approval annotation. */
    public boolean needsApproval() {
        return approval != null && approval.getMode() == ApprovalMode.Manual;
    }

    /** policy.destructive Deny: a plan with destructive steps stalls. */
    public boolean deniesDestructive() {
        return policy != null && policy.getDestructive() == DestructivePolicy.Deny;
    }

    /** policy.maxBlockedTableRows, or null: a plan that blocks writes to a larger table stalls. */
    public Long maxBlockedTableRows() {
        return policy == null ? null : policy.getMaxBlockedTableRows();
    }

    /** A plan Job runs before the migration: to be approved, or to be checked against the policy. */
    public boolean plansFirst() {
        return needsApproval() || deniesDestructive() || maxBlockedTableRows() != null;
    }

    /**
     * SchedulingGate mode around a workload or pods: an upgrade runs its expand changesets before the new pods start and
     * its contract changesets once the rollout is complete.
     */
    public boolean contractsAfterRollout() {
        return rollout != null && rollout.getMode() == RolloutMode.SchedulingGate;
    }

    /** When contract runs: spec.rollout.contract, or its defaults (Auto, not held). */
    public ContractSpec contract() {
        return rollout == null || rollout.getContract() == null ? new ContractSpec() : rollout.getContract();
    }

    /** InitContainer mode: the WebMACS pods' init containers run the migration, and the operator creates no Job. */
    public boolean runsInInitContainers() {
        return rollout != null && rollout.getMode() == RolloutMode.InitContainer;
    }

    /** The ConfigMap spec.changelog names, if it names one. */
    public Optional<String> changelogConfigMap() {
        return changelog == null || changelog.getConfigMapRef() == null ? Optional.empty() : Optional.of(changelog.getConfigMapRef().getName());
    }
}
