package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.webmacs.migration.contract.DurationSetting;
import java.util.List;
import java.util.Map;

/** How the migration Job runs. Every field has an operator-wide default. */
public class RunnerSpec {

    /** A week: longer than any migration of a WebMACS database should take. */
    public static final long MAX_ACTIVE_DEADLINE_SECONDS = 7 * 24 * 3600;
    /** With the backoff capped at 10 minutes, 100 retries already span more than 16 hours. */
    public static final int MAX_RETRY_LIMIT = 100;

    @JsonPropertyDescription("The image that runs webmacs-migrate. Default: the operator's own image.")
    private String image;

    @JsonPropertyDescription("CPU and memory for the migration container.")
    private ResourceRequirements resources;

    @JsonPropertyDescription("The service account the migration pod runs as. Default: the namespace's default account.")
    private String serviceAccountName;

    @JsonPropertyDescription("How long one migration run may take before it is stopped and counted as failed, in seconds:"
            + " from 1 to 604800 (a week).")
    @Min(1)
    @Max(MAX_ACTIVE_DEADLINE_SECONDS)
    private Long activeDeadlineSeconds;

    @JsonPropertyDescription("How many times a run that failed for a passing reason (database unreachable, lock busy) is"
            + " retried: from 0 to 100.")
    @Min(0)
    @Max(MAX_RETRY_LIMIT)
    private Integer retryLimit;

    @JsonPropertyDescription("The longest a changeset may wait for a table lock, and so the longest the application's queries"
            + " on that table queue behind it, e.g. 2s or 1m (a bare number is seconds); then the changeset is rolled back and"
            + " tried again. From 0s to " + DurationSetting.DDL_LOCK_TIMEOUT_MAX + "; 0 turns the guard off. Default: " + DurationSetting.DDL_LOCK_TIMEOUT_DEFAULT + ".")
    @Pattern(DurationFormat.PATTERN)
    @ValidationRule(value = DurationFormat.NOT_A_DURATION + " || " + DurationFormat.VALUE + " <= duration('"
            + DurationSetting.DDL_LOCK_TIMEOUT_MAX + "')",
            message = "runner.ddlLockTimeout must be between 0s and " + DurationSetting.DDL_LOCK_TIMEOUT_MAX
                    + ", e.g. 2s or 1m: it is PostgreSQL's lock_timeout for"
                    + " each changeset, and 0 turns the guard off")
    private String ddlLockTimeout;

    @JsonPropertyDescription("Node labels the migration pod must run on.")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations of the migration pod.")
    private List<Toleration> tolerations;

    @JsonPropertyDescription("Affinity of the migration pod.")
    private Affinity affinity;

    public String getImage() {
        return image;
    }

    public void setImage(String image) {
        this.image = image;
    }

    public ResourceRequirements getResources() {
        return resources;
    }

    public void setResources(ResourceRequirements resources) {
        this.resources = resources;
    }

    public String getServiceAccountName() {
        return serviceAccountName;
    }

    public void setServiceAccountName(String serviceAccountName) {
        this.serviceAccountName = serviceAccountName;
    }

    public Long getActiveDeadlineSeconds() {
        return activeDeadlineSeconds;
    }

    public void setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
        this.activeDeadlineSeconds = activeDeadlineSeconds;
    }

    public String getDdlLockTimeout() {
        return ddlLockTimeout;
    }

    public void setDdlLockTimeout(String ddlLockTimeout) {
        this.ddlLockTimeout = ddlLockTimeout;
    }

    public Integer getRetryLimit() {
        return retryLimit;
    }

    public void setRetryLimit(Integer retryLimit) {
        this.retryLimit = retryLimit;
    }

    public Map<String, String> getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(Map<String, String> nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public List<Toleration> getTolerations() {
        return tolerations;
    }

    public void setTolerations(List<Toleration> tolerations) {
        this.tolerations = tolerations;
    }

    public Affinity getAffinity() {
        return affinity;
    }

    public void setAffinity(Affinity affinity) {
        this.affinity = affinity;
    }
}
