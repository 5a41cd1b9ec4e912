package io.webmacs.migration.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

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
 * @param blocksWrites whether a step blocks writes to an existing table for time proportional to its size (a
 *     {@link Finding.Kind#BLOCKS_WRITES} finding), kept by {@link #compact()} like {@code destructive}
 * @param blockedTableRows the estimated rows of the largest table such a step blocks; null when none does, or when the
 *     estimate of one of them is unknown
 * @param revisions the revisions that would be applied (or rolled back), in the order they would run
 * @param findings what a reviewer should look at: destructive steps and data migrations
 * @param locks the existing tables the plan locks, each with the strongest lock it takes, its rows and its size
 * @param omitted findings and locks left out of a compact plan (a termination message holds 4 KiB)
 */
@JsonPropertyOrder({"hash", "direction", "database", "from", "to", "adopts", "destructive", "blocksWrites", "blockedTableRows", "revisions",
        "findings", "locks", "omitted"})
public record Plan(
        String hash,
        Direction direction,
        String database,
        String from,
        String to,
        String adopts,
        boolean destructive,
        boolean blocksWrites,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long blockedTableRows,
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

    /**
     * One changeset ({@code file::id::author}), its phase (expand or contract), the SQL it runs, and the lock each statement
     * holds on each existing table; a compact plan leaves the changesets out.
     */
    public record PlannedChangeset(String id, Phase phase, List<String> sql, List<StatementLock> locks) {
    }

    /** What a statement does to a table's rows while it holds its lock. */
    public enum Work {
        /** Changes the catalog only: the lock is held for an instant. */
        NONE("none"),
        /** Reads every row (an index build, a validation, a NOT NULL check, an UPDATE's search). */
        SCAN("scan"),
        /** Writes every row anew (a type change, a volatile default). */
        REWRITE("rewrite");

        private final String word;

        Work(String word) {
            this.word = word;
        }

        @JsonValue
        public String word() {
            return word;
        }

        /** What the statement does to the table, in a sentence: "scans", "rewrites". */
        public String verb() {
            return this == NONE ? "changes the catalog of" : word + "s";
        }
    }

    /**
     * The lock statement {@code statement} (an index into the changeset's {@code sql}) holds on an existing table while
     * it runs: its own, or a stronger one its changeset took before and keeps until it commits; what it does to the
     * table's rows under it; and whether that lock blocks the application's writes.
     */
    public record StatementLock(int statement, String table, String mode, Work work, boolean blocksWrites) {
    }

    /**
     * An existing table the plan locks: the strongest PostgreSQL lock mode it takes, the planner's row estimate and the
     * table's size on disk with its indexes ({@code pg_total_relation_size}).
     */
    public record TableLock(String table, String mode, Long estimatedRows, Long sizeBytes,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<String> changesets) {
    }

    /** A size as people read it: {@code 512 B}, {@code 16 kB}, {@code 1.4 GB}. */
    public static String size(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB"};
        double value = bytes;
        int unit = 0;
        for (; value >= 1024 && unit < units.length - 1; unit++) {
            value /= 1024;
        }
        return unit == 0 || value >= 10 ? Math.round(value) + " " + units[unit] : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /**
     * A plan is destructive, or blocks writes, when it says so or when one of its findings does: a plan read from a
     * result that does not say (an older runner's) is judged by its findings, and no finding it holds can make it look
     * safe.
     */
    public Plan {
        destructive = destructive || (findings != null && findings.stream().anyMatch(f -> f.kind().destructive()));
        blocksWrites = blocksWrites || (findings != null && findings.stream().anyMatch(f -> f.kind() == Finding.Kind.BLOCKS_WRITES));
    }

    /** A plan as the planner makes it: destructive, and blocking writes, exactly when one of its findings is. */
    public Plan(String hash, Direction direction, String database, String from, String to, String adopts, Long blockedTableRows,
            List<PlannedRevision> revisions, List<Finding> findings, List<TableLock> locks) {
        this(hash, direction, database, from, to, adopts, false, false, blockedTableRows, revisions, findings, locks, 0);
    }

    /**
     * The plan without its SQL and with at most a few findings and locks, so a result still fits a termination message.
     * Destructive findings are kept first, then those that block writes, then the others (each in plan order);
     * {@code destructive}, {@code blocksWrites} and {@code blockedTableRows} stay as they were.
     */
    public Plan compact() {
        List<PlannedRevision> names = revisions.stream().map(r -> new PlannedRevision(r.revision(), null)).toList();
        List<Finding> kept = findings.stream()
                .sorted(Comparator.comparing((Finding f) -> !f.kind().destructive()).thenComparing(f -> f.kind() != Finding.Kind.BLOCKS_WRITES))
                .limit(COMPACT_FINDINGS)
                .map(f -> new Finding(f.kind(), f.changeset(), f.table(), ErrorMessages.abbreviate(f.detail(), COMPACT_DETAIL))).toList();
        List<TableLock> keptLocks = locks.stream().limit(COMPACT_LOCKS)
                .map(l -> new TableLock(l.table(), l.mode(), l.estimatedRows(), l.sizeBytes(), null)).toList();
        int left = omitted + findings.size() - kept.size() + locks.size() - keptLocks.size();
        return new Plan(hash, direction, database, from, to, adopts, destructive, blocksWrites, blockedTableRows, names, kept, keptLocks,
                left);
    }
}
