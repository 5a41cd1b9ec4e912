package io.webmacs.migration.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The outcome of one command, as printed with {@code --output json} and written to {@code --result-file}.
 *
 * @param revision the revision the database is at after the command
 * @param applied revisions this command applied (upgrade, adoption not included)
 * @param rolledBack revisions this command rolled back (downgrade only)
 * @param pending changesets still to run to reach head
 * @param phase the phase of the changesets this command ran or would run (upgrade and plan only)
 * @param contractPending applied revisions whose contract changesets are still pending (see {@link Phase}); null when
 *     the command did not read the database
 * @param contracted revisions whose contract changesets this command ran (upgrade only)
 * @param adopted the kind of existing WebMACS database this command adopted, or null
 * @param adoptable the kind of existing WebMACS database that upgrade would adopt (current and history only)
 * @param history applied revisions with when they ran (history only)
 * @param revisions the changelog's revisions, oldest first, with how many changesets each has (revisions only)
 * @param blockedBy the sessions whose locks a changeset waited for, whether or not it got them in the end
 * @param blockedByOmitted sessions left out of {@code blockedBy} in a compact result (a termination message holds 4 KiB)
 * @param plan what upgrade or downgrade would do (plan only)
 * @param drift how the schema differs from the changelog's (check only; with no differences when it matches)
 */
@JsonPropertyOrder({"command", "revision", "head", "applied", "rolledBack", "pending", "phase", "contractPending", "contracted", "adopted", "adoptable", "durationMs", "history", "revisions", "blockedBy", "blockedByOmitted", "plan", "drift", "error"})
public record MigrationResult(
        String command,
        String revision,
        String head,
        List<String> applied,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> rolledBack,
        int pending,
        @JsonInclude(JsonInclude.Include.NON_NULL) Phase phase,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<String> contractPending,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> contracted,
        String adopted,
        @JsonInclude(JsonInclude.Include.NON_NULL) String adoptable,
        long durationMs,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<AppliedRevision> history,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<ChangelogRevision> revisions,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Blocker> blockedBy,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) int blockedByOmitted,
        @JsonInclude(JsonInclude.Include.NON_NULL) Plan plan,
        @JsonInclude(JsonInclude.Include.NON_NULL) Drift drift,
        Error error) {

    /** The most blockers a compact result names; a busy database can have dozens of sessions on one table. */
    private static final int COMPACT_BLOCKERS = 5;

    /**
     * This result as a termination message holds it (4 KiB): the plan without its SQL, only the first differences and
     * blockers, each with the rest counted.
     */
    public MigrationResult compact() {
        List<Blocker> blockers = blockedBy == null ? List.of() : blockedBy;
        List<Blocker> first = blockers.stream().limit(COMPACT_BLOCKERS).map(Blocker::compact).toList();
        return new MigrationResult(command, revision, head, applied, rolledBack, pending, phase, contractPending, contracted,
                adopted, adoptable, durationMs, history, revisions,
                first, blockedByOmitted + blockers.size() - first.size(), plan == null ? null : plan.compact(),
                drift == null ? null : drift.compact(), error);
    }

    /** One revision in {@code history}: when it was applied (null while pending), and whether its contract is pending. */
    public record AppliedRevision(String revision, String appliedAt,
            @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean contractPending) {
    }

    /** One revision of a changelog and how many changesets it has, its tag included. */
    public record ChangelogRevision(String name, int changeSets) {
    }

    /** What went wrong; {@code changeset} names the failing changeset when one failed. */
    public record Error(String code, String message, @JsonInclude(JsonInclude.Include.NON_NULL) String changeset) {

        /** Keeps the whole result well under the 4 KiB a Kubernetes termination message holds. */
        private static final int MAX_MESSAGE = 1500;

        public static Error of(MigrationException failure) {
            return new Error(failure.failure().code(), ErrorMessages.abbreviate(failure.getMessage(), MAX_MESSAGE), failure.changeset());
        }
    }
}
