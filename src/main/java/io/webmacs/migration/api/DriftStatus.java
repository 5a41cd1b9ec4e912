package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** What the last drift check (webmacs-migrate check in a Job, spec.driftCheck) found. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DriftStatus {

    @JsonPropertyDescription("How many drift checks have been started.")
    private Integer checks;

    @JsonPropertyDescription("The Job of the last finished check; its log lists every difference.")
    private String job;

    @JsonPropertyDescription("The revision whose schema the live schema was compared with.")
    private String revision;

    @JsonPropertyDescription("When the last check finished.")
    private String checkedAt;

    @JsonPropertyDescription("How many differences the last check found; absent when it could not check.")
    private Integer differences;

    @JsonPropertyDescription("The first differences, one line each.")
    private List<String> summary;

    public Integer getChecks() {
        return checks;
    }

    public void setChecks(Integer checks) {
        this.checks = checks;
    }

    public String getJob() {
        return job;
    }

    public void setJob(String job) {
        this.job = job;
    }

    public String getRevision() {
        return revision;
    }

    public void setRevision(String revision) {
        this.revision = revision;
    }

    public String getCheckedAt() {
        return checkedAt;
    }

    public void setCheckedAt(String checkedAt) {
        this.checkedAt = checkedAt;
    }

    public Integer getDifferences() {
        return differences;
    }

    public void setDifferences(Integer differences) {
        this.differences = differences;
    }

    public List<String> getSummary() {
        return summary;
    }

    public void setSummary(List<String> summary) {
        this.summary = summary;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DriftStatus d && Objects.equals(checks, d.checks) && Objects.equals(job, d.job)
                && Objects.equals(revision, d.revision) && Objects.equals(checkedAt, d.checkedAt)
                && Objects.equals(differences, d.differences) && Objects.equals(summary, d.summary);
    }

    @Override
    public int hashCode() {
        return Objects.hash(checks, job, revision, checkedAt, differences, summary);
    }
}
