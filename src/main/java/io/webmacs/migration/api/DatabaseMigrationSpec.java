package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** What the database should be at, and how to reach it. */
@ValidationRule(value = "!has(self.rollout) || !has(self.rollout.mode) || self.rollout.mode != 'InitContainer'"
        + " || !has(self.changelog) || has(self.changelog.file)",
        message = "rollout.mode InitContainer with a changelog ConfigMap needs spec.changelog.file")
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

    /** InitContainer mode: the WebMACS pods' init containers run the migration, and the operator creates no Job. */
    public boolean runsInInitContainers() {
        return rollout != null && rollout.getMode() == RolloutMode.InitContainer;
    }
}
