package io.webmacs.migration.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/** The plan of the pending migration (approval.mode Manual, or a policy to check), as the plan Job reported it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlanStatus {

    @JsonPropertyDescription("What to approve: annotate the resource with " + DatabaseMigration.APPROVED_PLAN + "=HASH.")
    private String hash;

    @JsonPropertyDescription("upgrade or downgrade.")
    private String direction;

    @JsonPropertyDescription("The database the plan is for, as the plan Job saw it: name and schema, and the PostgreSQL"
            + " cluster's system identifier (or the server's address). Part of the hash: an approval is for this database only.")
    private String database;

    @JsonPropertyDescription("The revision the database was at when planned.")
    private String from;

    @JsonPropertyDescription("The revision the plan ends at.")
    private String to;

    @JsonPropertyDescription("The kind of existing WebMACS database the upgrade adopts first, if any.")
    private String adopts;

    @JsonPropertyDescription("The revisions that would be applied (or rolled back), in order.")
    private List<String> revisions;

    @JsonPropertyDescription("Destructive steps, data migrations and steps that block writes; the first few, as the plan Job's"
            + " termination message had them.")
    private List<PlanFinding> findings;

    @JsonPropertyDescription("Existing tables the plan locks, with the lock mode, the planner's row estimate and the size.")
    private List<PlanLock> locks;

    @JsonPropertyDescription("Findings and locks left out here; the ConfigMap has them all.")
    private Integer omitted;

    @JsonPropertyDescription("Whether a step can lose data or fail on existing rows.")
    private Boolean destructive;

    @JsonPropertyDescription("Whether a step blocks writes to an existing table while it scans or rewrites it.")
    private Boolean blocksWrites;

    @JsonPropertyDescription("The estimated rows of the largest table whose writes a step blocks; none when no step does, or when"
            + " the size of one of those tables is unknown.")
    private Long blockedTableRows;

    @JsonPropertyDescription("Whether the migration may run: the annotation holds this hash, the plan changes nothing, or approval.mode is Automatic.")
    private Boolean approved;

    @JsonPropertyDescription("The plan Job.")
    private String job;

    @JsonPropertyDescription("The fingerprint of the run input the plan is for.")
    private String fingerprint;

    @JsonPropertyDescription("The ConfigMap, owned by this resource, that holds the whole plan with its SQL (key plan.txt).")
    private String configMap;

    public String getHash() {
        return hash;
    }

    public void setHash(String hash) {
        this.hash = hash;
    }

    public String getDirection() {
        return direction;
    }

    public void setDirection(String direction) {
        this.direction = direction;
    }

    public String getDatabase() {
        return database;
    }

    public void setDatabase(String database) {
        this.database = database;
    }

    public String getFrom() {
        return from;
    }

    public void setFrom(String from) {
        this.from = from;
    }

    public String getTo() {
        return to;
    }

    public void setTo(String to) {
        this.to = to;
    }

    public String getAdopts() {
        return adopts;
    }

    public void setAdopts(String adopts) {
        this.adopts = adopts;
    }

    public List<String> getRevisions() {
        return revisions;
    }

    public void setRevisions(List<String> revisions) {
        this.revisions = revisions;
    }

    public List<PlanFinding> getFindings() {
        return findings;
    }

    public void setFindings(List<PlanFinding> findings) {
        this.findings = findings;
    }

    public List<PlanLock> getLocks() {
        return locks;
    }

    public void setLocks(List<PlanLock> locks) {
        this.locks = locks;
    }

    public Integer getOmitted() {
        return omitted;
    }

    public void setOmitted(Integer omitted) {
        this.omitted = omitted;
    }

    public Boolean getDestructive() {
        return destructive;
    }

    public void setDestructive(Boolean destructive) {
        this.destructive = destructive;
    }

    public Boolean getBlocksWrites() {
        return blocksWrites;
    }

    public void setBlocksWrites(Boolean blocksWrites) {
        this.blocksWrites = blocksWrites;
    }

    public Long getBlockedTableRows() {
        return blockedTableRows;
    }

    public void setBlockedTableRows(Long blockedTableRows) {
        this.blockedTableRows = blockedTableRows;
    }

    public Boolean getApproved() {
        return approved;
    }

    public void setApproved(Boolean approved) {
        this.approved = approved;
    }

    public String getJob() {
        return job;
    }

    public void setJob(String job) {
        this.job = job;
    }

    public String getFingerprint() {
        return fingerprint;
    }

    public void setFingerprint(String fingerprint) {
        this.fingerprint = fingerprint;
    }

    public String getConfigMap() {
        return configMap;
    }

    public void setConfigMap(String configMap) {
        this.configMap = configMap;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlanStatus p && Objects.equals(hash, p.hash) && Objects.equals(direction, p.direction)
                && Objects.equals(database, p.database) && Objects.equals(from, p.from) && Objects.equals(to, p.to) && Objects.equals(adopts, p.adopts)
                && Objects.equals(revisions, p.revisions) && Objects.equals(findings, p.findings) && Objects.equals(locks, p.locks)
                && Objects.equals(omitted, p.omitted) && Objects.equals(destructive, p.destructive)
                && Objects.equals(blocksWrites, p.blocksWrites) && Objects.equals(blockedTableRows, p.blockedTableRows)
                && Objects.equals(approved, p.approved) && Objects.equals(job, p.job) && Objects.equals(fingerprint, p.fingerprint)
                && Objects.equals(configMap, p.configMap);
    }

    @Override
    public int hashCode() {
        return Objects.hash(hash, direction, database, from, to, adopts, revisions, findings, locks, omitted, destructive,
                blocksWrites, blockedTableRows, approved, job, fingerprint, configMap);
    }
}
