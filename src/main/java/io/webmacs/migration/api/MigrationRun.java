package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** One migration run: a Job, or a pod's migrate init container, and what the migrate container reported. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MigrationRun {

    @JsonPropertyDescription("The Job that ran (or runs) the migration; kept after a failure for its logs.")
    private String job;

    @JsonPropertyDescription("InitContainer mode: the pod whose migrate init container ran (or runs) the migration.")
    private String pod;

    @JsonPropertyDescription("The digest of everything that makes a run (spec, changelog content, runner image); one run per digest.")
    private String fingerprint;

    @JsonPropertyDescription("Which attempt at this fingerprint the Job is, from 1; for an init container, its run in the pod.")
    private Integer attempt;

    @JsonPropertyDescription("upgrade or downgrade, and the target revision.")
    private String command;

    @JsonPropertyDescription("Running, Succeeded or Failed.")
    private RunResult result;

    @JsonPropertyDescription("Revisions this run applied.")
    private List<String> applied;

    @JsonPropertyDescription("Revisions this run rolled back.")
    private List<String> rolledBack;

    @JsonPropertyDescription("How long the migration took, as the runner measured it.")
    private Long durationMs;

    @JsonPropertyDescription("When the run finished (RFC 3339).")
    private String finishedAt;

    @JsonPropertyDescription("The runner's error code, e.g. ChangesetFailed, DatabaseUnreachable.")
    private String errorCode;

    @JsonPropertyDescription("The changeset that failed (file::id::author).")
    private String failedChangeset;

    @JsonPropertyDescription("What went wrong, in one line.")
    private String message;

    @JsonPropertyDescription("The first sessions that held a lock a changeset waited for, whether or not it got it in the end,"
            + " one line each (pid, user, application, client, state, how long their transaction was open).")
    private List<String> blockedBy;

    @JsonPropertyDescription("How many more sessions blocked the run than blockedBy names.")
    private Integer blockedByOmitted;

    public String getJob() {
        return job;
    }

    public void setJob(String job) {
        this.job = job;
    }

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public String getFingerprint() {
        return fingerprint;
    }

    public void setFingerprint(String fingerprint) {
        this.fingerprint = fingerprint;
    }

    public Integer getAttempt() {
        return attempt;
    }

    public void setAttempt(Integer attempt) {
        this.attempt = attempt;
    }

    public String getCommand() {
        return command;
    }

    public void setCommand(String command) {
        this.command = command;
    }

    public RunResult getResult() {
        return result;
    }

    public void setResult(RunResult result) {
        this.result = result;
    }

    public List<String> getApplied() {
        return applied;
    }

    public void setApplied(List<String> applied) {
        this.applied = applied;
    }

    public List<String> getRolledBack() {
        return rolledBack;
    }

    public void setRolledBack(List<String> rolledBack) {
        this.rolledBack = rolledBack;
    }

    public Long getDurationMs() {
        return durationMs;
    }

    public void setDurationMs(Long durationMs) {
        this.durationMs = durationMs;
    }

    public String getFinishedAt() {
        return finishedAt;
    }

    public void setFinishedAt(String finishedAt) {
        this.finishedAt = finishedAt;
    }

    public String getErrorCode() {
        return errorCode;
    }

    public void setErrorCode(String errorCode) {
        this.errorCode = errorCode;
    }

    public String getFailedChangeset() {
        return failedChangeset;
    }

    public void setFailedChangeset(String failedChangeset) {
        this.failedChangeset = failedChangeset;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    public List<String> getBlockedBy() {
        return blockedBy;
    }

    public void setBlockedBy(List<String> blockedBy) {
        this.blockedBy = blockedBy;
    }

    public Integer getBlockedByOmitted() {
        return blockedByOmitted;
    }

    public void setBlockedByOmitted(Integer blockedByOmitted) {
        this.blockedByOmitted = blockedByOmitted;
    }

    /** The run in words, for messages: "Job x" or "Init container migrate of pod y". */
    public String describe() {
        return job != null ? "Job " + job : "Init container migrate of pod " + pod;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MigrationRun r && Objects.equals(job, r.job) && Objects.equals(pod, r.pod)
                && Objects.equals(fingerprint, r.fingerprint)
                && Objects.equals(attempt, r.attempt) && Objects.equals(command, r.command)
                && Objects.equals(result, r.result) && Objects.equals(applied, r.applied)
                && Objects.equals(rolledBack, r.rolledBack) && Objects.equals(durationMs, r.durationMs)
                && Objects.equals(finishedAt, r.finishedAt) && Objects.equals(errorCode, r.errorCode)
                && Objects.equals(failedChangeset, r.failedChangeset) && Objects.equals(message, r.message)
                && Objects.equals(blockedBy, r.blockedBy) && Objects.equals(blockedByOmitted, r.blockedByOmitted);
    }

    @Override
    public int hashCode() {
        return Objects.hash(job, pod, fingerprint, attempt, command, result, applied, rolledBack, durationMs, finishedAt,
                errorCode, failedChangeset, message, blockedBy, blockedByOmitted);
    }
}
