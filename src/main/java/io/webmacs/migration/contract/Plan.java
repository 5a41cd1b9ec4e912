package io.webmacs.migration.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Comparator;
import java.util.List;

/**
 * What {@code upgrade} (or {@code downgrade}) would do to one database, as {@code plan} reports it, read-only. The
 * {@code hash} is what a reviewer approves: the same database state and the same changelog give the same hash; the
 * planner's row estimates are not part of it.
 *
 * @param database which database the plan is for: its name and schema, and its PostgreSQL cluster (or server) as the runner
 *     saw it; part of the hash, so that an approval is for this database only
 * @param from the revision the database is at (for a database upgrade would adopt, the one its tables show)
 * @param adopts the kind of existing WebMACS database upgrade would adopt first, or null
 * @param destructive whether any step can lose data or fail on existing rows: true when a finding is destructive, and
 *     kept by {@link #compact()} whatever findings it leaves out
 * @param revisions the revisions that would be applied (or rolled back), in the order they would run
 * @param findings what a reviewer should look at: destructive steps and data migrations
 * @param locks the existing tables the plan locks, each with the strongest lock it takes
 * @param omitted findings and locks left out of a compact plan (a termination message holds 4 KiB)
 */
@JsonPropertyOrder({"hash", "direction", "database", "from", "to", "adopts", "destructive", "revisions", "findings", "locks", "omitted"})
public record Plan(
        String hash,
        Direction direction,
        String database,
        String from,
        String to,
        String adopts,
        boolean destructive,
        List<PlannedRevision> revisions,
        List<Finding> findings,
        List<TableLock> locks,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) int omitted) {

    /** The most findings and locks a compact plan keeps. */
    private static final int COMPACT_FINDINGS = 6;
    private static final int COMPACT_LOCKS = 8;
    private static final int COMPACT_DETAIL = 140;

    /** Which way the plan goes. */
    public enum Direction {
        UPGRADE(Verb.UPGRADE), DOWNGRADE(Verb.DOWNGRADE);

        private final Verb verb;

        Direction(Verb verb) {
            this.verb = verb;
        }

        @JsonValue
        public String word() {
            return verb.word();
        }
    }

    /** One revision of the plan and its changesets, in order. */
    public record PlannedRevision(String revision, @JsonInclude(JsonInclude.Include.NON_NULL) List<PlannedChangeset> changesets) {
    }

    /** One changeset ({@code file::id::author}) and the SQL it runs; a compact plan leaves the changesets out. */
    public record PlannedChangeset(String id, List<String> sql) {
    }

    /** An existing table the plan locks: the strongest PostgreSQL lock mode it takes, and the planner's row estimate. */
    public record TableLock(String table, String mode, Long estimatedRows,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<String> changesets) {
    }

    /**
     * A plan is destructive when it says so or when one of its findings is: a plan read from a result that does not say
     * (an older runner's) is judged by its findings, and no finding it holds can make it look safe.
     */
    public Plan {
        destructive = destructive || (findings != null && findings.stream().anyMatch(f -> f.kind().destructive()));
    }

    /** A plan as the planner makes it: destructive exactly when one of its findings is. */
    public Plan(String hash, Direction direction, String database, String from, String to, String adopts,
            List<PlannedRevision> revisions, List<Finding> findings, List<TableLock> locks) {
        this(hash, direction, database, from, to, adopts, false, revisions, findings, locks, 0);
    }

    /**
     * The plan without its SQL and with at most a few findings and locks, so a result still fits a termination message.
     * Destructive findings are kept before the others (each in plan order), and {@code destructive} stays as it was.
     */
    public Plan compact() {
        List<PlannedRevision> names = revisions.stream().map(r -> new PlannedRevision(r.revision(), null)).toList();
        List<Finding> kept = findings.stream().sorted(Comparator.comparing((Finding f) -> !f.kind().destructive())).limit(COMPACT_FINDINGS)
                .map(f -> new Finding(f.kind(), f.changeset(), f.table(), ErrorMessages.abbreviate(f.detail(), COMPACT_DETAIL))).toList();
        List<TableLock> keptLocks = locks.stream().limit(COMPACT_LOCKS)
                .map(l -> new TableLock(l.table(), l.mode(), l.estimatedRows(), null)).toList();
        int left = omitted + findings.size() - kept.size() + locks.size() - keptLocks.size();
        return new Plan(hash, direction, database, from, to, adopts, destructive, names, kept, keptLocks, left);
    }
}
